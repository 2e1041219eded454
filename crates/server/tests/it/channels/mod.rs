//! Sales channels end to end, each against a local fake of the channel's API.

mod stock;
