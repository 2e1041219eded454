//! A page layout: documents place text, rules and bars on a `Sheet` (a display list per
//! page, with a cursor that breaks pages), then `render` turns it into a PDF with the
//! vendored DejaVu fonts, subset into the file. Text is measured with the same fonts,
//! so it wraps and aligns as printed.

use std::sync::{Arc, LazyLock};

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

use crate::DocumentError;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSansCondensed.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSansCondensed-Bold.ttf");

/// One inch in PDF points.
pub const INCH: f32 = 72.0;

fn font_ref(data: &'static [u8]) -> Option<skrifa::FontRef<'static>> {
    skrifa::FontRef::new(data).ok()
}

static MEASURE: LazyLock<(Option<skrifa::FontRef<'static>>, Option<skrifa::FontRef<'static>>)> =
    LazyLock::new(|| (font_ref(REGULAR), font_ref(BOLD)));

/// The width of `text` at `size` points.
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let font = if bold { &MEASURE.1 } else { &MEASURE.0 };
    let Some(font) = font else {
        // Without metrics, an average condensed glyph.
        return text.chars().count() as f32 * size * 0.5;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size * 0.5)
        })
        .sum()
}

/// Words of `text` in lines no wider than `max`; a word wider than a line is cut.
pub fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size, bold) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word.to_owned();
        while width(&rest, size, bold) > max && rest.chars().count() > 1 {
            let mut cut = String::new();
            for c in rest.chars() {
                if width(&format!("{cut}{c}"), size, bold) > max {
                    break;
                }
                cut.push(c);
            }
            let taken = cut.chars().count().max(1);
            lines.push(rest.chars().take(taken).collect());
            rest = rest.chars().skip(taken).collect();
        }
        line = rest;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Pages being laid out, top to bottom, with a cursor `y` (the top of the next item).
#[derive(Debug)]
pub struct Sheet {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    pub y: f32,
    pages: Vec<Vec<Op>>,
}

impl Sheet {
    pub fn new(width: f32, height: f32, margin: f32) -> Self {
        Sheet {
            width,
            height,
            margin,
            y: margin,
            pages: vec![Vec::new()],
        }
    }

    /// Usable width between the margins.
    pub fn inner(&self) -> f32 {
        self.width - 2.0 * self.margin
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Starts a new page when `space` points do not fit below the cursor; true if it did.
    pub fn ensure(&mut self, space: f32) -> bool {
        if self.y + space <= self.height - self.margin || self.y <= self.margin {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = self.margin;
        true
    }

    /// Text whose top is at `y`, left edge at `x`.
    pub fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let text = text.to_owned();
        // The baseline sits about 0.8 em under the top of the line.
        self.ops().push(Op::Text {
            x,
            y: y + size * 0.8,
            size,
            bold,
            text,
        });
    }

    /// Text right-aligned to `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, bold: bool, text: &str) {
        let x = right - width(text, size, bold);
        self.text_at(x, y, size, bold, text);
    }

    /// A paragraph at the cursor, wrapped to `max` wide, starting at `x`; moves the cursor.
    pub fn paragraph(&mut self, x: f32, size: f32, bold: bool, max: f32, text: &str) {
        for line in wrap(text, size, bold, max) {
            self.ensure(size * 1.25);
            let y = self.y;
            self.text_at(x, y, size, bold, &line);
            self.y += size * 1.25;
        }
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.ops().push(Op::Rect { x, y, w, h });
    }

    /// A horizontal rule across the page at the cursor, with `gap` points around it.
    pub fn rule(&mut self, thickness: f32, gap: f32) {
        self.y += gap;
        let (x, y, w) = (self.margin, self.y, self.inner());
        self.rect(x, y, w, thickness);
        self.y += thickness + gap;
    }

    /// Renders every page as a PDF titled `title`.
    pub fn render(self, title: &str) -> Result<Vec<u8>, DocumentError> {
        let regular = Font::new(Arc::new(REGULAR.to_vec()).into(), 0).ok_or(DocumentError::Font)?;
        let bold = Font::new(Arc::new(BOLD.to_vec()).into(), 0).ok_or(DocumentError::Font)?;
        let mut document = Document::new();
        document.set_metadata(Metadata::new().title(title.to_owned()).creator("Switchyard".to_owned()));
        for ops in &self.pages {
            let settings = PageSettings::from_wh(self.width, self.height).ok_or(DocumentError::Layout)?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        bold: b,
                        text,
                    } => {
                        let font = if *b { bold.clone() } else { regular.clone() };
                        surface.draw_text(Point::from_xy(*x, *y), font, *size, text, false, TextDirection::Auto);
                    }
                    Op::Rect { x, y, w, h } => {
                        let mut path = PathBuilder::new();
                        path.push_rect(Rect::from_xywh(*x, *y, *w, *h).ok_or(DocumentError::Layout)?);
                        let path = path.finish().ok_or(DocumentError::Layout)?;
                        surface.draw_path(&path);
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.finish().map_err(|e| DocumentError::Pdf(format!("{e:?}")))
    }
}
