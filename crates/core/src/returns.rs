//! Returns: what a customer may send back, and when the money goes back.

string_enum!(
    /// When a return is refunded.
    RefundOn {
        /// When the returning location has received the items.
        Receipt = "receipt",
        /// As soon as the return is authorized, before the items arrive.
        Authorization = "authorization",
    }
);
