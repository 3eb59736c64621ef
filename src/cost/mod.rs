//! Cost before spending: the price catalog compiled in, estimates of a deployment from what
//! its resource kinds meter, the budget gate, spot analysis and actual costs.
//!
//! - [`catalog`]: prices per region, shipped in `catalog.json`;
//! - [`price_list`]: rebuilds the catalog from AWS Price List files;
//! - [`estimate`]: what a set of resources costs a month, by resource and category;
//! - [`spot`]: spot prices across zones and regions, and the cheapest type meeting
//!   requirements;
//! - [`actual`]: what a deployment cost, from Cost Explorer answers.

pub mod actual;
pub mod catalog;
pub mod estimate;
pub mod plan;
pub mod price_list;
pub mod spot;

pub use catalog::Catalog;
