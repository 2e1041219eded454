//! Documents as a user checks them: placeholder until the documents crate lands.
