//! The demo seller's catalog: tees, hoodies, mugs and the rest, each with a valid
//! EAN-13 barcode.

use switchyard_core::validation::gs1_check_digit;

/// A valid EAN-13 from a 12-digit body.
pub(super) fn ean13(body: u64) -> String {
    let digits: Vec<u32> = format!("{body:012}").chars().filter_map(|c| c.to_digit(10)).collect();
    format!("{body:012}{}", gs1_check_digit(&digits))
}

/// A product of the demo catalog.
pub(super) struct Sku {
    pub(super) sku: String,
    pub(super) title: String,
    pub(super) price: i64,
    pub(super) weight: i64,
}

/// Every product the demo seller sells.
pub(super) fn catalog() -> Vec<Sku> {
    let mut skus = Vec::new();
    let mut add = |sku: String, title: String, price: i64, weight: i64| {
        skus.push(Sku {
            sku,
            title,
            price,
            weight,
        })
    };
    for colour in ["Black", "Oat", "Sage"] {
        for size in ["S", "M", "L", "XL"] {
            add(
                format!("TEE-{}-{size}", &colour[..3].to_uppercase()),
                format!("Organic cotton tee, {colour}, {size}"),
                2400,
                180,
            );
        }
    }
    for colour in ["Navy", "Charcoal"] {
        for size in ["S", "M", "L", "XL"] {
            add(
                format!("HOOD-{}-{size}", &colour[..3].to_uppercase()),
                format!("Heavyweight hoodie, {colour}, {size}"),
                5500,
                650,
            );
        }
    }
    for design in ["Fern", "Wave", "Moth", "Tide", "Dusk"] {
        add(
            format!("MUG-{}", design.to_uppercase()),
            format!("Stoneware mug, {design}"),
            1600,
            420,
        );
        add(
            format!("PRINT-A3-{}", design.to_uppercase()),
            format!("Risograph print A3, {design}"),
            2800,
            120,
        );
    }
    for colour in ["Natural", "Black", "Olive", "Rust"] {
        add(
            format!("TOTE-{}", colour.to_uppercase()),
            format!("Canvas tote bag, {colour}"),
            1800,
            210,
        );
        add(
            format!("NOTE-{}", colour.to_uppercase()),
            format!("Linen notebook, {colour}"),
            1400,
            300,
        );
    }
    for colour in ["Black", "Stone", "Forest"] {
        add(
            format!("CAP-{}", colour.to_uppercase()),
            format!("Six-panel cap, {colour}"),
            2200,
            110,
        );
    }
    for pattern in ["Stripe", "Dot"] {
        for size in ["S", "M", "L"] {
            add(
                format!("SOCK-{}-{size}", pattern.to_uppercase()),
                format!("Merino socks, {pattern}, {size}"),
                1200,
                80,
            );
        }
    }
    for scent in ["Fig", "Cedar", "Smoke", "Citrus"] {
        add(
            format!("CANDLE-{}", scent.to_uppercase()),
            format!("Soy candle, {scent}"),
            2600,
            480,
        );
    }
    for pack in ["Botanic", "Ocean", "Night", "Type"] {
        add(
            format!("STICK-{}", pack.to_uppercase()),
            format!("Sticker pack, {pack}"),
            600,
            30,
        );
    }
    skus
}
