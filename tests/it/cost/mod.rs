//! Cost: the shipped catalog, estimates of the shipped tiers, the budget gate, the Price List
//! parser, spot analysis through served price histories, and Cost Explorer answers.

mod actual;
mod budget;
mod estimate;
mod price_list;
mod spot;
