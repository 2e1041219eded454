//! A customer finding their order without signing in: the order number with the email
//! it was placed with or the postal code it ships to. Both sides are compared without
//! case and without whitespace, the way people type them ("so-100042", "ls1 4ap").

use crate::validation::{FieldError, Invalid, Validator};

/// The look-up form's fields.
pub const NUMBER_FIELD: &str = "number";
pub const CONTACT_FIELD: &str = "contact";

/// What a customer typed into the look-up form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    pub number: String,
    /// The order's email or its shipping address's postal code.
    pub contact: String,
}

/// `raw` without whitespace, in upper case: how numbers and postal codes compare.
fn folded(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

impl Lookup {
    /// The order number to look for, as orders are numbered (`SO-100042`); `None` when
    /// nothing was typed.
    pub fn number_key(&self) -> Option<String> {
        Some(folded(&self.number)).filter(|n| !n.is_empty())
    }

    /// The order number to look for, or each blank field by name (a blank form is no
    /// failed look-up: it tries no order).
    pub fn check(&self) -> Result<String, Vec<FieldError>> {
        let mut v = Validator::new();
        let number = self.number_key();
        if number.is_none() {
            v.push(Invalid::new("required", "enter the order number from your confirmation email").at(NUMBER_FIELD));
        }
        if folded(&self.contact).is_empty() {
            v.push(Invalid::new("required", "enter your email address or postcode").at(CONTACT_FIELD));
        }
        v.finish(|| number)
    }

    /// Whether the order numbered `number`, placed with `email` and shipping to
    /// `postal_code`, is the one the customer asked for: the number is theirs and the
    /// contact is the email or the postal code. A blank contact matches nothing (an
    /// order without a postal code is found by its email only).
    pub fn matches(&self, number: &str, email: &str, postal_code: Option<&str>) -> bool {
        let contact = folded(&self.contact);
        if contact.is_empty() || self.number_key().as_deref() != Some(folded(number).as_str()) {
            return false;
        }
        contact == folded(email) || postal_code.is_some_and(|p| contact == folded(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(number: &str, contact: &str) -> Lookup {
        Lookup {
            number: number.into(),
            contact: contact.into(),
        }
    }

    #[test]
    fn the_number_with_the_email_or_the_postcode_finds_the_order_however_typed() {
        let found = |l: Lookup| l.matches("SO-100042", "Ann@Example.com", Some("LS1 4AP"));
        assert!(found(lookup("SO-100042", "ann@example.com")));
        assert!(found(lookup(" so-100042 ", " ANN@example.COM ")));
        assert!(found(lookup("SO-100042", "ls14ap")));
        assert!(found(lookup("so- 100042", "L S1 4AP")));
        assert_eq!(lookup(" so-100042\t", "x").number_key().as_deref(), Some("SO-100042"));
    }

    #[test]
    fn anything_else_finds_nothing() {
        let found = |l: Lookup| l.matches("SO-100042", "ann@example.com", Some("LS1 4AP"));
        assert!(!found(lookup("SO-100043", "ann@example.com")));
        assert!(!found(lookup("SO-100042", "bob@example.com")));
        assert!(!found(lookup("SO-100042", "LS1 4AQ")));
        assert!(!found(lookup("SO-100042", "")));
        assert!(!found(lookup("", "ann@example.com")));
        assert_eq!(lookup("  ", "x").number_key(), None);
        let blank: Vec<String> = lookup(" ", "")
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(blank, [NUMBER_FIELD, CONTACT_FIELD]);
        assert_eq!(lookup("so-1", "x").check().as_deref(), Ok("SO-1"));
        // No postal code: a blank contact is no match for it.
        assert!(!lookup("SO-1", " ").matches("SO-1", "", None));
    }
}
