//! `string_enum!`: a closed set of values with one spelling shared by JSON, the
//! database and messages, so a state can never be written one way and read another.

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
