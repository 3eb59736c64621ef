//! Client-side pacing of EC2 calls, so that large applies slow down instead of being throttled.
//!
//! EC2 meters API calls with token buckets per account and region, one set of numbers per call
//! category (<https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>). The
//! [`Pacer`] keeps one local [`TokenBucket`] per category with the same size and refill rate and
//! makes every EC2 request take a token before it is sent. The buckets are shared by category,
//! not per API action, which is the stricter reading of the documentation: we never exceed AWS's
//! limit, at worst we are slower than needed when many different actions run at once.
//!
//! Calls with their own bucket (RunInstances, CreateTags, CreateNatGateway, the resource-intensive
//! ones) are mutating too, and also take a token from the mutating bucket; again the stricter
//! choice.
//!
//! Only EC2 is paced: IAM, ELBv2, CloudFront, EFS and SSM publish no token-bucket numbers, and the
//! engine's retry of throttling errors (`provider::retry`) covers them.
//!
//! The pacing wait happens in the HTTP layer (see [`transport`]), after the request is signed and
//! inside the SDK's per-attempt timeout. Waits are bounded by how many calls the engine runs at
//! once divided by the refill rate, far below the timeout and the signature's validity.

mod bucket;
pub(crate) mod transport;

pub use bucket::TokenBucket;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A category of EC2 API calls, each metered by its own bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// `Describe*` and `Get*` calls (strata always filters or paginates them).
    NonMutating,
    /// Every call that changes something and has no bucket of its own.
    Mutating,
    /// `AuthorizeSecurityGroupIngress`, `RequestSpotInstances`, `CreateKeyPair`.
    ResourceIntensive,
    /// `RunInstances`.
    RunInstances,
    /// `CreateTags`.
    CreateTags,
    /// `CreateNatGateway`.
    CreateNatGateway,
}

impl Category {
    /// Every category, in a fixed order.
    pub const ALL: [Category; 6] = [
        Category::NonMutating,
        Category::Mutating,
        Category::ResourceIntensive,
        Category::RunInstances,
        Category::CreateTags,
        Category::CreateNatGateway,
    ];

    /// The category of an EC2 operation, by its API name (`DescribeVpcs`, `RunInstances`).
    pub fn of(operation: &str) -> Category {
        match operation {
            "RunInstances" => Category::RunInstances,
            "CreateTags" => Category::CreateTags,
            "CreateNatGateway" => Category::CreateNatGateway,
            // The resource-intensive actions strata can call, as AWS lists them.
            "AuthorizeSecurityGroupIngress" | "RequestSpotInstances" | "CreateKeyPair" => {
                Category::ResourceIntensive
            }
            op if op.starts_with("Describe") || op.starts_with("Get") => Category::NonMutating,
            _ => Category::Mutating,
        }
    }

    /// A short stable name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::NonMutating => "non-mutating",
            Category::Mutating => "mutating",
            Category::ResourceIntensive => "resource-intensive",
            Category::RunInstances => "run-instances",
            Category::CreateTags => "create-tags",
            Category::CreateNatGateway => "create-nat-gateway",
        }
    }

    /// Whether calls of this category also take a token from the mutating bucket.
    fn also_mutating(self) -> bool {
        !matches!(self, Category::NonMutating | Category::Mutating)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The size and refill rate of one bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketConfig {
    /// Tokens when full: calls that may go out at once.
    pub capacity: u32,
    /// Tokens added per second: the sustained call rate.
    pub refill_per_sec: f64,
}

impl BucketConfig {
    /// A bucket of `capacity` tokens refilled at `refill_per_sec`.
    pub const fn new(capacity: u32, refill_per_sec: f64) -> Self {
        BucketConfig {
            capacity,
            refill_per_sec,
        }
    }
}

/// The bucket of every category. `Default` is AWS's documented EC2 numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct PacingConfig {
    /// `Describe*`/`Get*` (AWS: 100, 20/s).
    pub non_mutating: BucketConfig,
    /// Other mutating calls (AWS: 50, 5/s).
    pub mutating: BucketConfig,
    /// Resource-intensive calls (AWS: 50, 5/s).
    pub resource_intensive: BucketConfig,
    /// `RunInstances` (AWS: 5, 2/s).
    pub run_instances: BucketConfig,
    /// `CreateTags` (AWS: 100, 10/s).
    pub create_tags: BucketConfig,
    /// `CreateNatGateway` (AWS: 10, 1/s).
    pub create_nat_gateway: BucketConfig,
}

impl Default for PacingConfig {
    fn default() -> Self {
        PacingConfig {
            non_mutating: BucketConfig::new(100, 20.0),
            mutating: BucketConfig::new(50, 5.0),
            resource_intensive: BucketConfig::new(50, 5.0),
            run_instances: BucketConfig::new(5, 2.0),
            create_tags: BucketConfig::new(100, 10.0),
            create_nat_gateway: BucketConfig::new(10, 1.0),
        }
    }
}

impl PacingConfig {
    /// Every category with the same bucket (tests: one tiny bucket everywhere).
    pub fn uniform(bucket: BucketConfig) -> Self {
        PacingConfig {
            non_mutating: bucket,
            mutating: bucket,
            resource_intensive: bucket,
            run_instances: bucket,
            create_tags: bucket,
            create_nat_gateway: bucket,
        }
    }

    /// The bucket of `category`.
    pub fn bucket(&self, category: Category) -> BucketConfig {
        match category {
            Category::NonMutating => self.non_mutating,
            Category::Mutating => self.mutating,
            Category::ResourceIntensive => self.resource_intensive,
            Category::RunInstances => self.run_instances,
            Category::CreateTags => self.create_tags,
            Category::CreateNatGateway => self.create_nat_gateway,
        }
    }
}

/// An invalid pacing configuration.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PacingError {
    /// A bucket that can never hold a token would block every call.
    #[error("a pacing bucket has capacity 0, so no call could ever be made")]
    #[diagnostic(
        code(strata::aws::pacing),
        help("give every pacing bucket a capacity of at least 1, or turn pacing off")
    )]
    ZeroCapacity,
    /// A refill rate that is not a positive number.
    #[error("a pacing bucket refills at {0} tokens per second, which is not a positive rate")]
    #[diagnostic(
        code(strata::aws::pacing),
        help("use a positive refill rate (AWS's EC2 numbers are between 1 and 20 per second)")
    )]
    BadRefill(f64),
}

/// Paces EC2 calls: one token bucket per category, shared by every client of one AWS session.
#[derive(Debug)]
pub struct Pacer {
    buckets: Vec<TokenBucket>,
    /// Calls paced per category, indexed like `Category::ALL`.
    calls: Vec<AtomicU64>,
}

impl Pacer {
    /// A pacer with full buckets sized by `config`.
    pub fn new(config: &PacingConfig) -> Result<Self, PacingError> {
        let buckets = Category::ALL
            .iter()
            .map(|c| {
                let b = config.bucket(*c);
                TokenBucket::new(b.capacity, b.refill_per_sec)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pacer {
            buckets,
            calls: Category::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
        })
    }

    /// The category of an EC2 operation (see [`Category::of`]).
    pub fn category(operation: &str) -> Category {
        Category::of(operation)
    }

    /// Wait until one call of EC2 `operation` may be sent.
    pub async fn pace(&self, operation: &str) {
        self.pace_category(Category::of(operation)).await;
    }

    /// Wait until one call of `category` may be sent.
    pub async fn pace_category(&self, category: Category) {
        self.calls[category.index()].fetch_add(1, Ordering::Relaxed);
        self.buckets[category.index()].acquire(1).await;
        if category.also_mutating() {
            self.buckets[Category::Mutating.index()].acquire(1).await;
        }
    }

    /// The bucket of `category`.
    pub fn bucket(&self, category: Category) -> &TokenBucket {
        &self.buckets[category.index()]
    }

    /// Calls paced so far, per category (categories never used are left out).
    pub fn calls(&self) -> BTreeMap<Category, u64> {
        Category::ALL
            .iter()
            .map(|c| (*c, self.calls[c.index()].load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::Instant;

    #[test]
    fn classifies_ec2_operations() {
        assert_eq!(Category::of("DescribeVpcs"), Category::NonMutating);
        assert_eq!(Category::of("DescribeInstances"), Category::NonMutating);
        assert_eq!(Category::of("GetConsoleOutput"), Category::NonMutating);
        assert_eq!(Category::of("RunInstances"), Category::RunInstances);
        assert_eq!(Category::of("CreateTags"), Category::CreateTags);
        assert_eq!(Category::of("CreateNatGateway"), Category::CreateNatGateway);
        assert_eq!(
            Category::of("AuthorizeSecurityGroupIngress"),
            Category::ResourceIntensive
        );
        assert_eq!(
            Category::of("RequestSpotInstances"),
            Category::ResourceIntensive
        );
        assert_eq!(Category::of("CreateKeyPair"), Category::ResourceIntensive);
        assert_eq!(Category::of("CreateVpc"), Category::Mutating);
        assert_eq!(Category::of("TerminateInstances"), Category::Mutating);
        assert_eq!(Category::of("ImportKeyPair"), Category::Mutating);
        assert_eq!(
            Category::of("AuthorizeSecurityGroupEgress"),
            Category::Mutating
        );
        // Only the prefix counts, not a substring.
        assert_eq!(Category::of("ModifyDescribeThing"), Category::Mutating);
    }

    #[test]
    fn defaults_are_aws_documented_numbers() {
        let c = PacingConfig::default();
        assert_eq!(c.mutating, BucketConfig::new(50, 5.0));
        assert_eq!(c.non_mutating, BucketConfig::new(100, 20.0));
        assert_eq!(c.run_instances, BucketConfig::new(5, 2.0));
        assert_eq!(c.create_tags, BucketConfig::new(100, 10.0));
        assert_eq!(c.create_nat_gateway, BucketConfig::new(10, 1.0));
        assert_eq!(c.resource_intensive, BucketConfig::new(50, 5.0));
        let pacer = Pacer::new(&c).unwrap();
        for cat in Category::ALL {
            assert_eq!(pacer.bucket(cat).capacity(), c.bucket(cat).capacity);
        }
    }

    #[test]
    fn rejects_an_invalid_bucket() {
        let mut c = PacingConfig::default();
        c.create_tags.capacity = 0;
        assert!(matches!(Pacer::new(&c), Err(PacingError::ZeroCapacity)));
    }

    #[tokio::test(start_paused = true)]
    async fn sixty_mutating_calls_take_at_least_two_seconds() {
        let pacer = Pacer::new(&PacingConfig::default()).unwrap();
        let start = Instant::now();
        for _ in 0..60 {
            pacer.pace("CreateVpc").await;
        }
        // 50 at once, then 10 more at 5/s.
        assert!(Instant::now() - start >= Duration::from_secs(2));
        assert_eq!(pacer.calls(), BTreeMap::from([(Category::Mutating, 60)]));
    }

    #[tokio::test(start_paused = true)]
    async fn categories_do_not_slow_each_other_down() {
        let pacer = Pacer::new(&PacingConfig::default()).unwrap();
        let start = Instant::now();
        for _ in 0..50 {
            pacer.pace("CreateVpc").await;
        }
        for _ in 0..100 {
            pacer.pace("DescribeVpcs").await;
        }
        assert_eq!(
            Instant::now(),
            start,
            "separate buckets, both within their burst"
        );
        pacer.pace("DescribeSubnets").await;
        assert_eq!(Instant::now() - start, Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn run_instances_has_its_own_small_bucket_and_counts_as_mutating() {
        let pacer = Pacer::new(&PacingConfig::default()).unwrap();
        let start = Instant::now();
        for _ in 0..7 {
            pacer.pace("RunInstances").await;
        }
        // 5 at once, then 2 more at 2/s.
        assert_eq!(Instant::now() - start, Duration::from_secs(1));
        assert_eq!(pacer.bucket(Category::Mutating).available(), 50 - 7 + 5);
    }
}
