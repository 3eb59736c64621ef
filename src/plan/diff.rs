//! Desired configuration vs recorded state → a plan.
