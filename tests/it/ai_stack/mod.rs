//! The shipped AI stack: every tier against the emulator, and its rendered user data.

mod tiers;
mod user_data;
