//! DynamoDB capacity units, two ways.
//!
//! *Reported*: what the service said in `ConsumedCapacity` (the recorder asks for it). Real
//! DynamoDB reports by item size; moto reports a flat figure per item, so against the local
//! stack this column says little more than the number of items touched.
//!
//! *Estimated*: the on-demand request units DynamoDB would bill, worked out from the items in
//! the requests and answers by its published sizing rules: an item's size is the length of its
//! attribute names plus their values; a read unit covers 4 KB read (half a unit when
//! eventually consistent, as every index read is; a query adds up the items before rounding;
//! a transaction's read costs two), a write unit 1 KB written (a transaction's write costs
//! two), and each global secondary index whose key the written item carries costs one more
//! write of the projected item. Updates, deletes and condition checks do not show the item,
//! so they are taken as 1 KB, and index deletes are not counted: the write units are a lower
//! bound (outbox entries, deleted once carried out, hold an e-mail and are larger). A query
//! with a filter is counted by what it returned.

use serde_json::Value;

use super::tape::Exchange;

/// Capacity units of some requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Units {
    /// Units the service reported.
    pub reported: f64,
    /// Read request units, by the sizing rules.
    pub read: f64,
    /// Write request units, by the sizing rules, index writes included.
    pub write: f64,
}

impl std::ops::AddAssign for Units {
    fn add_assign(&mut self, other: Self) {
        self.reported += other.reported;
        self.read += other.read;
        self.write += other.write;
    }
}

/// The table's global secondary indexes, as (index name, partition key attribute).
pub type Indexes = Vec<(String, String)>;

/// The capacity of the DynamoDB requests among `exchanges`.
pub fn units(exchanges: &[Exchange], indexes: &Indexes) -> Units {
    let mut total = Units::default();
    for exchange in exchanges.iter().filter(|e| e.service == "dynamodb") {
        let request: Value = serde_json::from_slice(&exchange.request).unwrap_or(Value::Null);
        let response: Value = serde_json::from_slice(&exchange.response).unwrap_or(Value::Null);
        total += Units {
            reported: reported(&response),
            ..estimate(&exchange.operation, &request, &response, indexes)
        };
    }
    total
}

fn reported(response: &Value) -> f64 {
    let one = |c: &Value| c["CapacityUnits"].as_f64().unwrap_or(0.0);
    match &response["ConsumedCapacity"] {
        Value::Array(all) => all.iter().map(one).sum(),
        c @ Value::Object(_) => one(c),
        _ => 0.0,
    }
}

fn estimate(operation: &str, request: &Value, response: &Value, indexes: &Indexes) -> Units {
    let consistent = request["ConsistentRead"].as_bool() == Some(true);
    let read_factor = if consistent { 1.0 } else { 0.5 };
    let reads = |bytes: usize, factor: f64| (bytes.div_ceil(4096).max(1)) as f64 * factor;
    let put = |item: &Value, factor: f64| {
        let size = item_size(item);
        let own = size.div_ceil(1024).max(1) as f64 * factor;
        let index_writes = indexes
            .iter()
            .filter(|(_, key)| item.get(key).is_some())
            .count() as f64
            * size.div_ceil(1024).max(1) as f64;
        own + index_writes
    };
    let items_size = |items: &Value| {
        items
            .as_array()
            .map(|all| all.iter().map(item_size).sum::<usize>())
            .unwrap_or(0)
    };
    let mut units = Units::default();
    match operation {
        "GetItem" => units.read = reads(item_size(&response["Item"]), read_factor),
        "Query" | "Scan" => units.read = reads(items_size(&response["Items"]), read_factor),
        "BatchGetItem" => {
            // At least half a unit per key asked for, found or not.
            let keys: usize = request["RequestItems"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
                .map(|t| t["Keys"].as_array().map_or(0, Vec::len))
                .sum();
            units.read = keys as f64 * read_factor;
            let mut by_size = 0.0;
            for items in response["Responses"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                for item in items.as_array().into_iter().flatten() {
                    by_size += reads(item_size(item), read_factor);
                }
            }
            units.read = units.read.max(by_size);
        }
        "TransactGetItems" => {
            for item in response["Responses"].as_array().into_iter().flatten() {
                units.read += reads(item_size(&item["Item"]), 2.0);
            }
        }
        "PutItem" => units.write = put(&request["Item"], 1.0),
        "UpdateItem" | "DeleteItem" => units.write = 1.0,
        "BatchWriteItem" => {
            for requests in request["RequestItems"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
            {
                for one in requests.as_array().into_iter().flatten() {
                    units.write += match one.get("PutRequest") {
                        Some(p) => put(&p["Item"], 1.0),
                        None => 1.0,
                    };
                }
            }
        }
        "TransactWriteItems" => {
            for one in request["TransactItems"].as_array().into_iter().flatten() {
                units.write += match one.get("Put") {
                    Some(p) => put(&p["Item"], 2.0),
                    None => 2.0,
                };
            }
        }
        _ => {}
    }
    units
}

/// An item's size by DynamoDB's rules, from its JSON wire form (`{"name": {"S": "…"}}`).
pub fn item_size(item: &Value) -> usize {
    item.as_object()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| name.len() + value_size(value))
                .sum()
        })
        .unwrap_or(0)
}

fn value_size(value: &Value) -> usize {
    let Some((kind, inner)) = value.as_object().and_then(|m| m.iter().next()) else {
        return 0;
    };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, str::len),
        "N" => inner.as_str().map_or(0, number_size),
        "B" => inner.as_str().map_or(0, |b| b.len() * 3 / 4),
        "BOOL" | "NULL" => 1,
        "SS" => strings(inner).map(str::len).sum(),
        "NS" => strings(inner).map(number_size).sum(),
        "BS" => strings(inner).map(|b| b.len() * 3 / 4).sum(),
        "L" => {
            3 + inner
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| 1 + value_size(v))
                .sum::<usize>()
        }
        "M" => {
            3 + inner
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

fn strings(value: &Value) -> impl Iterator<Item = &str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// A number takes one byte per two significant digits, plus one.
fn number_size(number: &str) -> usize {
    let digits = number
        .trim_start_matches('-')
        .split(['e', 'E'])
        .next()
        .unwrap_or_default()
        .replace('.', "");
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.max(1).div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_follow_dynamodb_rules() {
        assert_eq!(item_size(&json!({"pk": {"S": "TICKET#1"}})), 2 + 8);
        assert_eq!(item_size(&json!({"n": {"N": "12345"}})), 1 + 4);
        assert_eq!(item_size(&json!({"b": {"BOOL": true}})), 2);
        assert_eq!(
            item_size(&json!({"m": {"M": {"a": {"S": "xy"}}}})),
            1 + 3 + 1 + 1 + 2
        );
    }

    #[test]
    fn a_transactional_put_costs_two_units_per_kilobyte_and_one_per_index() {
        let item = json!({"pk": {"S": "x".repeat(1500)}, "open_pk": {"S": "OPEN"}});
        let request = json!({"TransactItems": [{"Put": {"Item": item}}]});
        let indexes = vec![
            ("gsi_open".to_owned(), "open_pk".to_owned()),
            ("gsi_due".to_owned(), "due_kind".to_owned()),
        ];
        let units = estimate("TransactWriteItems", &request, &Value::Null, &indexes);
        assert_eq!(units.write, 2.0 * 2.0 + 2.0);
    }

    #[test]
    fn an_index_query_reads_half_a_unit_per_four_kilobytes() {
        let items = json!({"Items": [{"a": {"S": "x".repeat(5000)}}, {"a": {"S": "y"}}]});
        let units = estimate(
            "Query",
            &json!({"IndexName": "gsi_due"}),
            &items,
            &Vec::new(),
        );
        assert_eq!(units.read, 1.0);
    }
}
