//! `route_table`: routes of a VPC and the subnets that use them.

mod routes;

use super::tags;
use crate::address::Address;
use crate::aws::attrs::{put_str, put_str_list, required_str, str_list, table_list};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::shapes::{block_list, string_list, text};
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{Filter, ResourceType};
use routes::Route;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// A route table with its routes and subnet associations (`CreateRouteTable`, `CreateRoute`,
/// `AssociateRouteTable`).
pub struct RouteTable {
    aws: Arc<Aws>,
}

impl RouteTable {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        RouteTable { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> =
    LazyLock::new(|| {
        KindSchema::new(
        "route_table",
        "A route table of a VPC, with its routes and the subnets associated with it",
    )
    .taggable()
    .attr(
        AttrSchema::string("vpc_id")
            .refers_to(&["vpc"])
            .required()
            .replace()
            .doc("Id of the VPC the route table belongs to"),
    )
    // Routes are created, replaced and deleted one by one on the live table.
    .attr(block_list(
        "routes",
        vec![
            text("destination_cidr_block"),
            text("destination_ipv6_cidr_block"),
            text("gateway_id"),
            text("nat_gateway_id"),
            text("transit_gateway_id"),
            text("vpc_peering_connection_id"),
            text("network_interface_id"),
        ],
    )
            .refers_to(&["internet_gateway"]).unordered().doc(
        "Routes, each a table: destination_cidr_block or destination_ipv6_cidr_block, and one \
         target of gateway_id, nat_gateway_id, network_interface_id, vpc_peering_connection_id, \
         transit_gateway_id",
    ))
    .attr(
        string_list("subnet_ids")
            .refers_to(&["subnet"])
            .unordered()
            .doc("Ids of the subnets associated with this route table"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the route table"))
    .attr(
        AttrSchema::computed("owner_id", AttrType::String)
            .doc("Account id of the route table's owner"),
    )
    });

/// The code EC2 answers for a route table that does not exist.
const NOT_FOUND: &str = "InvalidRouteTableID.NotFound";

/// A live route table as read: strata's attributes plus what updates and deletes need.
struct Table {
    live: LiveResource,
    /// The managed routes.
    routes: Vec<Route>,
    /// Subnet id → association id, for the explicit subnet associations.
    associations: BTreeMap<String, String>,
    /// Whether this is the VPC's main route table (AWS refuses to delete it).
    main: bool,
}

/// Apply a route's destination and target to a CreateRoute or ReplaceRoute call (two builder
/// types with the same setters).
macro_rules! with_route {
    ($call:expr, $route:expr) => {{
        let route: &Route = $route;
        let call = match route.destination.0 {
            "destination_ipv6_cidr_block" => {
                $call.destination_ipv6_cidr_block(&route.destination.1)
            }
            _ => $call.destination_cidr_block(&route.destination.1),
        };
        let target = route.target.1.as_str();
        match route.target.0 {
            "nat_gateway_id" => call.nat_gateway_id(target),
            "transit_gateway_id" => call.transit_gateway_id(target),
            "vpc_peering_connection_id" => call.vpc_peering_connection_id(target),
            "network_interface_id" => call.network_interface_id(target),
            _ => call.gateway_id(target),
        }
    }};
}

#[async_trait]
impl ResourceKind for RouteTable {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let tables = self
            .tables(tags::selection(selector, "route-table-id"))
            .await?;
        Ok(tables.into_iter().map(|t| t.live).collect())
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:CreateRouteTable";
        // Check the routes before creating anything, so a typo leaves no half-made table.
        let want =
            routes::desired(&table_list(req.attrs, "routes"), OP).map_err(|e| e.at(req.address))?;
        let ec2 = self.aws.ec2().await?;
        let created = ec2
            .create_route_table()
            .vpc_id(required_str(req.attrs, "vpc_id", OP)?)
            .client_token(req.token)
            .tag_specifications(tags::spec(ResourceType::RouteTable, req.tags))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let id = created
            .route_table()
            .and_then(|t| t.route_table_id())
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no route table id in the response")
            })?
            .to_string();
        for route in want.values() {
            self.create_route(&id, route)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        self.associate_all(&id, &str_list(req.attrs, "subnet_ids"))
            .await
            .map_err(|e| e.at(req.address))?;
        Ok(self.read_one(&id, req.address).await?.live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let table = self.read_one(req.id, req.address).await?;
        for name in req.changed {
            match name.as_str() {
                "routes" => self
                    .sync_routes(req.id, &table.routes, req.after)
                    .await
                    .map_err(|e| e.at(req.address))?,
                "subnet_ids" => self
                    .sync_associations(req.id, &table.associations, req.after)
                    .await
                    .map_err(|e| e.at(req.address))?,
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "ec2:ReplaceRoute",
                        format!("changing `{other}` of a route table in place is not supported"),
                    )
                    .at(req.address))
                }
            }
        }
        let ec2 = self.aws.ec2().await?;
        tags::sync(ec2, req.id, &table.live.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        Ok(self.read_one(req.id, req.address).await?.live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let Some(table) = self.read_tables(&[id.to_string()]).await?.pop() else {
            return Ok(());
        };
        if table.main {
            return Err(ProviderError::new(
                ErrorClass::DependencyViolation,
                "ec2:DeleteRouteTable",
                format!("{id} is its VPC's main route table; AWS deletes it with the VPC"),
            ));
        }
        // AWS refuses to delete a table that subnets still use.
        for association in table.associations.values() {
            self.disassociate(association).await?;
        }
        let ec2 = self.aws.ec2().await?;
        match ec2.delete_route_table().route_table_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = classify("ec2:DeleteRouteTable", e);
                if err.code.as_deref() == Some(NOT_FOUND) {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }
}

impl RouteTable {
    async fn read_tables(&self, ids: &[String]) -> Result<Vec<Table>, ProviderError> {
        self.tables(tags::selection(Selector::Ids(ids), "route-table-id"))
            .await
    }

    async fn read_one(&self, id: &str, address: &Address) -> Result<Table, ProviderError> {
        self.read_tables(&[id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::EventualConsistency,
                    "ec2:DescribeRouteTables",
                    format!("route table {id} is not visible"),
                )
                .at(address)
            })
    }

    /// The tables matching each filter set, in one `DescribeRouteTables` call per page: the
    /// one read path, behind `describe` and what updates and deletes need.
    async fn tables(&self, filter_sets: Vec<Vec<Filter>>) -> Result<Vec<Table>, ProviderError> {
        const OP: &str = "ec2:DescribeRouteTables";
        let ec2 = self.aws.ec2().await?;
        let region = self.aws.region().await?;
        let mut out = Vec::new();
        for filters in filter_sets {
            let pages = ec2
                .describe_route_tables()
                .set_filters(Some(filters))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                out.extend(
                    page.route_tables()
                        .iter()
                        .filter_map(|t| table_of(t, &region)),
                )
            })
            .await?;
        }
        Ok(out)
    }

    async fn sync_routes(
        &self,
        id: &str,
        live: &[Route],
        after: &Attrs,
    ) -> Result<(), ProviderError> {
        let want = routes::desired(&table_list(after, "routes"), "ec2:CreateRoute")?;
        let changes = routes::changes(live, &want);
        for route in &changes.delete {
            self.delete_route(id, route).await?;
        }
        for route in &changes.replace {
            let ec2 = self.aws.ec2().await?;
            with_route!(ec2.replace_route().route_table_id(id), route)
                .send()
                .await
                .map_err(|e| classify("ec2:ReplaceRoute", e))?;
        }
        for route in &changes.create {
            self.create_route(id, route).await?;
        }
        Ok(())
    }

    async fn sync_associations(
        &self,
        id: &str,
        live: &BTreeMap<String, String>,
        after: &Attrs,
    ) -> Result<(), ProviderError> {
        let want: BTreeSet<String> = str_list(after, "subnet_ids").into_iter().collect();
        for (subnet, association) in live {
            if !want.contains(subnet) {
                self.disassociate(association).await?;
            }
        }
        let new: Vec<String> = want
            .iter()
            .filter(|s| !live.contains_key(*s))
            .cloned()
            .collect();
        self.associate_all(id, &new).await
    }

    async fn create_route(&self, id: &str, route: &Route) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        with_route!(ec2.create_route().route_table_id(id), route)
            .send()
            .await
            .map_err(|e| classify("ec2:CreateRoute", e))?;
        Ok(())
    }

    async fn delete_route(&self, id: &str, route: &Route) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let call = ec2.delete_route().route_table_id(id);
        let call = match route.destination.0 {
            "destination_ipv6_cidr_block" => call.destination_ipv6_cidr_block(&route.destination.1),
            _ => call.destination_cidr_block(&route.destination.1),
        };
        absent_ok(
            call.send()
                .await
                .map_err(|e| classify("ec2:DeleteRoute", e)),
            &["InvalidRoute.NotFound"],
        )
    }

    /// Associate these subnets with table `id`. A subnet explicitly associated with another
    /// table is moved with `ReplaceRouteTableAssociation` (AWS refuses a second association
    /// with `Resource.AlreadyAssociated`); one describe call finds those first.
    async fn associate_all(&self, id: &str, subnets: &[String]) -> Result<(), ProviderError> {
        if subnets.is_empty() {
            return Ok(());
        }
        let current = self.current_associations(subnets).await?;
        let ec2 = self.aws.ec2().await?;
        for subnet in subnets {
            match current.get(subnet) {
                Some((table, _)) if table == id => {}
                Some((_, association)) => {
                    ec2.replace_route_table_association()
                        .association_id(association)
                        .route_table_id(id)
                        .send()
                        .await
                        .map_err(|e| classify("ec2:ReplaceRouteTableAssociation", e))?;
                }
                None => {
                    ec2.associate_route_table()
                        .route_table_id(id)
                        .subnet_id(subnet)
                        .send()
                        .await
                        .map_err(|e| classify("ec2:AssociateRouteTable", e))?;
                }
            }
        }
        Ok(())
    }

    /// Subnet id → (route table id, association id) for the explicit associations these
    /// subnets have now, in one `DescribeRouteTables` call per page.
    async fn current_associations(
        &self,
        subnets: &[String],
    ) -> Result<BTreeMap<String, (String, String)>, ProviderError> {
        let tables = self
            .tables(tags::selection(
                Selector::Ids(subnets),
                "association.subnet-id",
            ))
            .await?;
        let wanted: BTreeSet<&String> = subnets.iter().collect();
        Ok(tables
            .into_iter()
            .flat_map(|t| {
                let table = t.live.id;
                t.associations
                    .into_iter()
                    .map(move |(subnet, association)| (subnet, (table.clone(), association)))
            })
            .filter(|(subnet, _)| wanted.contains(subnet))
            .collect())
    }

    async fn disassociate(&self, association: &str) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.disassociate_route_table()
                .association_id(association)
                .send()
                .await
                .map_err(|e| classify("ec2:DisassociateRouteTable", e)),
            &["InvalidAssociationID.NotFound"],
        )
    }
}

/// A route table as the provider reports it.
fn table_of(table: &aws_sdk_ec2::types::RouteTable, region: &str) -> Option<Table> {
    let id = table.route_table_id()?;
    let mut routes: Vec<Route> = table.routes().iter().filter_map(routes::from_ec2).collect();
    routes.sort();
    let associations: BTreeMap<String, String> = table
        .associations()
        .iter()
        .filter(|a| a.main() != Some(true))
        .filter_map(|a| {
            Some((
                a.subnet_id()?.to_string(),
                a.route_table_association_id()?.to_string(),
            ))
        })
        .collect();
    let main = table.associations().iter().any(|a| a.main() == Some(true));
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "vpc_id", table.vpc_id());
    attrs.insert(
        "routes".into(),
        Value::List(routes.iter().map(Route::to_value).collect()),
    );
    put_str_list(
        &mut attrs,
        "subnet_ids",
        associations.keys().cloned().collect(),
        true,
    );
    put_str(&mut attrs, "owner_id", table.owner_id());
    if let Some(owner) = table.owner_id() {
        put_str(
            &mut attrs,
            "arn",
            Some(&format!("arn:aws:ec2:{region}:{owner}:route-table/{id}")),
        );
    }
    Some(Table {
        live: LiveResource {
            id: id.to_string(),
            attrs,
            tags: tags::from_ec2(table.tags()),
        },
        routes,
        associations,
        main,
    })
}
