//! The contract integrators build on: every error an RFC 9457 problem whose `type`
//! resolves to a page of the server, with an `instance` and field errors at JSON
//! pointers or parameters, strict JSON bodies, and paging by opaque cursors bound to
//! their list's filters with `Link: rel="next"`.

mod errors;
mod paging;
mod raw;
