//! AWS Budgets resource kinds.

pub mod budget;

pub use budget::Budget;
