//! Classifying SDK errors into the provider's error classes.
//!
//! AWS reports the same situation with different codes per service; the tables below gather
//! them. The class decides retries (`provider::retry`) and the help line users see.

use crate::provider::{ErrorClass, ProviderError};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    // IAM: another request is changing the same entity (two roles' policies attached at once,
    // a profile whose role is being swapped). Waiting and sending again succeeds, as for a
    // throttle; it says nothing about the request itself.
    "ConcurrentModification",
    "ConcurrentModificationException",
];

const TRANSIENT: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "Unavailable",
    "RequestTimeout",
    "RequestTimeoutException",
    "ServiceFailure",
];

/// Codes that mean "not visible yet" right after strata created the resource they name.
///
/// The rule: a `*.NotFound` code is eventual consistency only when it names a kind of resource
/// that strata itself creates and hands to a later call in the same run (a group id to
/// `RunInstances`, an instance id to `CreateTags`, a route table to `AssociateRouteTable`), and
/// AWS documents that id kind as propagating asynchronously (EC2 API reference, "Eventual
/// consistency"). The retry is short (see `provider::retry`), so a mistyped id of these kinds
/// costs seconds, not a stall. Everything else is what it says:
/// - `InvalidAMIID.*`: strata never creates images, so a missing or malformed AMI id is always a
///   wrong value in the stack (invalid input), never worth retrying.
/// - `InvalidKeyPair.NotFound`: `ImportKeyPair` is synchronous and key names are typed by hand,
///   so a missing key is a wrong name (invalid input).
/// - other `*.NotFound` codes: the resource is gone (not found), see `NOT_FOUND`.
///
/// The instance-profile propagation error arrives as `InvalidParameterValue` and is recognised
/// by its message in `refine` (see `is_profile_not_yet_usable`).
const EVENTUAL: &[&str] = &[
    "InvalidGroup.NotFound",
    "InvalidInstanceID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidVpcID.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "InvalidAllocationID.NotFound",
    "InvalidVolume.NotFound",
    "InvalidNetworkInterfaceID.NotFound",
];

/// Codes that always mean a wrong value in the configuration, whatever their suffix says.
const USER_INPUT_NOT_FOUND: &[&str] = &["InvalidKeyPair.NotFound"];

const DEPENDENCY: &[&str] = &[
    "DependencyViolation",
    "DeleteConflict",
    "ResourceInUse",
    "ResourceInUseException",
    "FileSystemInUse",
    "DistributionNotDisabled",
    "InvalidIPAddress.InUse",
    "IncorrectState",
    "IncorrectInstanceState",
    "VolumeInUse",
    "MountTargetConflict",
    "InvalidPermission.Duplicate",
];

const CAPACITY: &[&str] = &[
    "InsufficientInstanceCapacity",
    "InsufficientCapacity",
    "InsufficientHostCapacity",
    "InsufficientReservedInstanceCapacity",
    "InsufficientFreeAddressesInSubnet",
    "SpotMaxPriceTooLow",
    "MaxSpotInstanceCountExceeded",
    "InsufficientThroughputCapacity",
    "Unsupported",
];

const ACCESS: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthFailure",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "OptInRequired",
    "Blocked",
];

const NOT_FOUND: &[&str] = &[
    "NoSuchEntity",
    "NoSuchDistribution",
    "FileSystemNotFound",
    "MountTargetNotFound",
    "LoadBalancerNotFound",
    "TargetGroupNotFound",
    "ListenerNotFound",
];

/// The class of an AWS error code and HTTP status.
pub fn classify_code(code: Option<&str>, status: Option<u16>) -> ErrorClass {
    let Some(code) = code else {
        return match status {
            Some(429) => ErrorClass::Throttling,
            Some(s) if s >= 500 => ErrorClass::Transient,
            Some(403) => ErrorClass::AccessDenied,
            Some(404) => ErrorClass::NotFound,
            _ => ErrorClass::Other,
        };
    };
    let is = |table: &[&str]| table.contains(&code);
    if is(THROTTLING) || status == Some(429) {
        ErrorClass::Throttling
    } else if is(TRANSIENT) {
        ErrorClass::Transient
    } else if is(EVENTUAL) {
        ErrorClass::EventualConsistency
    } else if is(USER_INPUT_NOT_FOUND) || code.starts_with("InvalidAMIID.") {
        // strata never creates images and imports key pairs synchronously: see `EVENTUAL`.
        ErrorClass::InvalidInput
    } else if is(DEPENDENCY) {
        ErrorClass::DependencyViolation
    } else if is(CAPACITY) {
        ErrorClass::Capacity
    } else if code.ends_with("LimitExceeded")
        || code.ends_with("LimitExceededException")
        || code.starts_with("TooMany")
        || code.contains("QuotaExceeded")
    {
        ErrorClass::Quota
    } else if is(ACCESS) {
        ErrorClass::AccessDenied
    } else if is(NOT_FOUND) || code.ends_with(".NotFound") || code.ends_with("NotFound") {
        ErrorClass::NotFound
    } else if code.starts_with("Invalid")
        || code.starts_with("Malformed")
        || code.starts_with("Missing")
        || code.starts_with("Validation")
        || code == "UnknownParameter"
    {
        ErrorClass::InvalidInput
    } else if status.is_some_and(|s| s >= 500) {
        ErrorClass::Transient
    } else {
        ErrorClass::Other
    }
}

/// Turn an SDK error into a classified provider error for `operation` (e.g. `ec2:CreateVpc`).
/// The outcome of a delete or detach call, where the thing being gone already is success: an
/// error of class `NotFound`, or one carrying a code of `gone` (AWS's codes for a missing id,
/// which other calls treat as a bad input or a lag, e.g. `InvalidSubnetID.NotFound`).
pub fn absent_ok<T>(result: Result<T, ProviderError>, gone: &[&str]) -> Result<(), ProviderError> {
    match result {
        Ok(_) => Ok(()),
        Err(e)
            if e.class == ErrorClass::NotFound
                || e.code.as_deref().is_some_and(|c| gone.contains(&c)) =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Classify an SDK error.
pub fn classify<E, R>(operation: &str, err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus + 'static,
{
    match err {
        SdkError::TimeoutError(_) => {
            ProviderError::new(ErrorClass::Transient, operation, "the call timed out")
        }
        SdkError::DispatchFailure(ref e) => {
            let what = if e.is_timeout() {
                "the connection to AWS timed out"
            } else if e.is_io() {
                "could not reach AWS"
            } else {
                "the request could not be sent"
            };
            let message = format!("{what}: {}", causes(&err));
            let class = if message.contains("credential") || message.contains("Credential") {
                ErrorClass::AccessDenied
            } else {
                ErrorClass::Transient
            };
            ProviderError::new(class, operation, message)
        }
        SdkError::ResponseError(e) => ProviderError::new(
            ErrorClass::Transient,
            operation,
            format!("unreadable response (HTTP {:?})", e.raw().status_code()),
        ),
        SdkError::ServiceError(e) => {
            let status = e.raw().status_code();
            let err = e.into_err();
            let code = err.code().map(str::to_string);
            let message = err
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| match status {
                    Some(s) => format!("HTTP {s} without a message"),
                    None => "no message".to_string(),
                });
            let class = classify_message(code.as_deref(), status, &message);
            let mut out = ProviderError::new(class, operation, message);
            if let Some(c) = code {
                out = out.with_code(c);
            }
            out
        }
        SdkError::ConstructionFailure(_) => {
            let message = format!("could not build the request: {}", causes(&err));
            let class = if message.contains("credential") || message.contains("Credential") {
                ErrorClass::AccessDenied
            } else {
                ErrorClass::InvalidInput
            };
            ProviderError::new(class, operation, message)
        }
        other => ProviderError::new(ErrorClass::Other, operation, causes(&other)),
    }
}

/// The readable chain of causes below an error, outermost first, without repeats: the SDK
/// wraps one failure in several layers that often say the same thing.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    }
}

/// The class of an AWS error from its code, HTTP status and message: [`classify_code`], then
/// the few codes whose meaning depends on the message.
pub fn classify_message(code: Option<&str>, status: Option<u16>, message: &str) -> ErrorClass {
    refine(classify_code(code, status), code, message)
}

/// Codes whose meaning depends on the message.
fn refine(class: ErrorClass, code: Option<&str>, message: &str) -> ErrorClass {
    match code {
        Some("InvalidParameterValue") if is_profile_not_yet_usable(message) => {
            ErrorClass::EventualConsistency
        }
        _ if message
            .to_ascii_lowercase()
            .contains("capacity-not-available") =>
        {
            ErrorClass::Capacity
        }
        _ => class,
    }
}

/// Whether an `InvalidParameterValue` message is RunInstances (or AssociateIamInstanceProfile)
/// refusing an instance profile: "Value (p) for parameter iamInstanceProfile.name is invalid.
/// Invalid IAM Instance Profile name". IAM makes a new profile usable by EC2 only seconds after
/// `CreateInstanceProfile` returns, and strata creates the profile in the same run, so this is
/// eventual consistency; a profile that never appears still fails once the short retry budget
/// is spent. Every other `InvalidParameterValue` is a wrong value.
fn is_profile_not_yet_usable(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("iam instance profile") || lower.contains("iaminstanceprofile")
}

/// The HTTP status of a raw response, whatever the response type.
pub trait HttpStatus {
    /// The status code, when there is one.
    fn status_code(&self) -> Option<u16>;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> Option<u16> {
        Some(self.status().as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delete_of_something_gone_is_done_and_nothing_else_is() {
        let err = |class, code: &str| {
            Err::<(), _>(ProviderError::new(class, "ec2:DeleteSubnet", "x").with_code(code))
        };
        let lag = err(ErrorClass::EventualConsistency, "InvalidSubnetID.NotFound");
        assert_eq!(
            absent_ok(lag.clone(), &["InvalidSubnetID.NotFound"]),
            Ok(())
        );
        assert!(absent_ok(lag, &[]).is_err(), "only the codes named count");
        assert_eq!(
            absent_ok(err(ErrorClass::NotFound, "NoSuchThing"), &[]),
            Ok(())
        );
        let busy = err(ErrorClass::DependencyViolation, "DependencyViolation");
        assert!(absent_ok(busy, &["InvalidSubnetID.NotFound"]).is_err());
        assert_eq!(absent_ok(Ok::<u8, ProviderError>(7), &[]), Ok(()));
    }

    #[test]
    fn codes_map_to_classes() {
        let c = |code: &str| classify_code(Some(code), Some(400));
        assert_eq!(c("RequestLimitExceeded"), ErrorClass::Throttling);
        assert_eq!(c("Throttling"), ErrorClass::Throttling);
        assert_eq!(classify_code(None, Some(503)), ErrorClass::Transient);
        assert_eq!(classify_code(None, Some(429)), ErrorClass::Throttling);
        assert_eq!(c("InvalidGroup.NotFound"), ErrorClass::EventualConsistency);
        assert_eq!(c("DependencyViolation"), ErrorClass::DependencyViolation);
        assert_eq!(c("InsufficientInstanceCapacity"), ErrorClass::Capacity);
        assert_eq!(c("VpcLimitExceeded"), ErrorClass::Quota);
        assert_eq!(c("UnauthorizedOperation"), ErrorClass::AccessDenied);
        assert_eq!(c("ExpiredToken"), ErrorClass::AccessDenied);
        assert_eq!(c("InvalidParameterValue"), ErrorClass::InvalidInput);
        assert_eq!(c("NoSuchEntity"), ErrorClass::NotFound);
        assert_eq!(c("InvalidRoute.NotFound"), ErrorClass::NotFound);
    }

    #[test]
    fn a_new_instance_profile_not_yet_usable_is_eventual_consistency() {
        let m = |message: &str| classify_message(Some("InvalidParameterValue"), Some(400), message);
        for message in [
            "Value (test-dev-host) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name",
            "Value (arn:aws:iam::123456789012:instance-profile/p) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN",
            "Invalid IAM Instance Profile name",
            "Value (p) for parameter iamInstanceProfile.name is invalid.",
        ] {
            assert_eq!(m(message), ErrorClass::EventualConsistency, "{message}");
            assert!(m(message).is_retryable(), "{message}");
        }
        // Any other bad value stays invalid input, even from RunInstances.
        for message in [
            "Value (t9.mega) for parameter instanceType is invalid.",
            "Invalid value 'abc' for IPv4 address",
            "",
        ] {
            assert_eq!(m(message), ErrorClass::InvalidInput, "{message:?}");
        }
        // The message matters only for that code.
        assert_eq!(
            classify_message(
                Some("InvalidParameterCombination"),
                Some(400),
                "Invalid IAM Instance Profile name"
            ),
            ErrorClass::InvalidInput
        );
        // The EC2 ids listed as not yet visible stay so whatever the message says.
        assert_eq!(
            classify_message(
                Some("InvalidGroup.NotFound"),
                Some(400),
                "The security group 'sg-1' does not exist"
            ),
            ErrorClass::EventualConsistency
        );
    }

    #[test]
    fn iam_concurrent_modification_is_retried_and_delete_conflict_is_a_dependency() {
        let c = |code: &str| classify_message(Some(code), Some(409), "");
        assert_eq!(c("ConcurrentModification"), ErrorClass::Throttling);
        assert!(c("ConcurrentModification").is_retryable());
        assert_eq!(c("ConcurrentModificationException"), ErrorClass::Throttling);
        assert_eq!(
            c("DeleteConflict"),
            ErrorClass::DependencyViolation,
            "a role with policies or in a profile"
        );
        assert!(!c("DeleteConflict").is_retryable());
    }

    #[test]
    fn missing_images_and_key_pairs_are_wrong_input_not_propagation() {
        let c = |code: &str| classify_code(Some(code), Some(400));
        for code in [
            "InvalidAMIID.NotFound",
            "InvalidAMIID.Malformed",
            "InvalidAMIID.Unavailable",
            "InvalidKeyPair.NotFound",
        ] {
            assert_eq!(c(code), ErrorClass::InvalidInput, "{code}");
            assert!(!c(code).is_retryable(), "{code} must not be retried");
        }
    }

    #[test]
    fn only_ids_strata_creates_count_as_not_yet_visible() {
        let c = |code: &str| classify_code(Some(code), Some(400));
        for code in EVENTUAL {
            assert_eq!(c(code), ErrorClass::EventualConsistency, "{code}");
        }
        // Ids strata never creates: gone, not late.
        for code in [
            "InvalidSnapshot.NotFound",
            "InvalidPrefixListID.NotFound",
            "InvalidRoute.NotFound",
            "InvalidAssociationID.NotFound",
        ] {
            assert_eq!(c(code), ErrorClass::NotFound, "{code}");
        }
    }
}
