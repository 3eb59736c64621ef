//! EC2 and VPC resource kinds.

pub mod elastic_ip;
pub mod instance;
pub mod instance_market;
pub mod internet_gateway;
pub mod key_pair;
pub mod market;
pub mod nat_gateway;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod tags;
pub mod volume;
pub mod volume_attachment;
pub mod vpc;

pub use elastic_ip::ElasticIp;
pub use instance::Instance;
pub use internet_gateway::InternetGateway;
pub use key_pair::KeyPair;
pub use market::Ec2Market;
pub use nat_gateway::NatGateway;
pub use route_table::RouteTable;
pub use security_group::SecurityGroup;
pub use subnet::Subnet;
pub use volume::Volume;
pub use volume_attachment::VolumeAttachment;
pub use vpc::Vpc;
