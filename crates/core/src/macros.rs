//! `string_enum!`: a closed set of values with one spelling shared by JSON, the
//! database and messages, so a state can never be written one way and read another.

macro_rules! string_enum {
    ($(#[doc = $doc:literal])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(raw: &str) -> Result<Self, $crate::validation::Invalid> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::validation::Invalid::new(
                        "invalid_value",
                        format!(
                            "must be one of: {}",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl $crate::Spelled for $name {
            fn spelling(&self) -> &'static str {
                self.as_str()
            }
        }

        // The schema is written here from the spellings rather than derived: a derive
        // does not see the `serde(rename)` this macro puts on each variant, and would
        // document the Rust variant names, which the API refuses.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let doc: &[&str] = &[$($doc),*];
                let description = doc.iter().map(|line| line.trim()).collect::<Vec<_>>().join("\n");
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description((!description.is_empty()).then_some(description))
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
