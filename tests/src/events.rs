//! The API Gateway events in `events/`, loaded and adjusted to build requests for the real
//! handlers, exactly as Lambda would deliver them.

use std::path::PathBuf;

use serde_json::Value;

/// An event file, ready to adjust.
#[derive(Debug, Clone)]
pub struct Event(pub Value);

/// The `events/` folder of the repository.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

impl Event {
    /// Loads `events/<name>.json`.
    pub fn load(name: &str) -> Self {
        let path = events_dir().join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        Self(serde_json::from_str(&text).expect("event is JSON"))
    }

    /// The body as JSON.
    pub fn body(&self) -> Value {
        serde_json::from_str(self.0["body"].as_str().unwrap_or("null")).expect("body is JSON")
    }

    /// Replaces the body with this JSON.
    pub fn with_body(mut self, body: &Value) -> Self {
        self.0["body"] = Value::String(body.to_string());
        self
    }

    /// Replaces the body with raw text.
    pub fn with_raw_body(mut self, body: &str) -> Self {
        self.0["body"] = Value::String(body.to_owned());
        self
    }

    /// Changes the body with `edit`.
    pub fn edit_body(self, edit: impl FnOnce(&mut Value)) -> Self {
        let mut body = self.body();
        edit(&mut body);
        self.with_body(&body)
    }

    /// Sets one JWT claim.
    pub fn with_claim(mut self, name: &str, value: &str) -> Self {
        self.0["requestContext"]["authorizer"]["jwt"]["claims"][name] =
            Value::String(value.to_owned());
        self
    }

    /// Removes one JWT claim.
    pub fn without_claim(mut self, name: &str) -> Self {
        if let Some(claims) =
            self.0["requestContext"]["authorizer"]["jwt"]["claims"].as_object_mut()
        {
            claims.remove(name);
        }
        self
    }

    /// Removes the authorizer entirely: a request with no identity.
    pub fn anonymous(mut self) -> Self {
        if let Some(ctx) = self.0["requestContext"].as_object_mut() {
            ctx.remove("authorizer");
        }
        self
    }

    /// A claim's value.
    pub fn claim(&self, name: &str) -> String {
        self.0["requestContext"]["authorizer"]["jwt"]["claims"][name]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Sets a header (lower-case name).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.0["headers"][name] = Value::String(value.to_owned());
        self
    }

    /// Removes a header.
    pub fn without_header(mut self, name: &str) -> Self {
        if let Some(h) = self.0["headers"].as_object_mut() {
            h.remove(name);
        }
        self
    }

    /// Sets the `{reference}` path parameter and the paths that carry it.
    pub fn with_reference(self, reference: &str) -> Self {
        self.with_path_parameter("reference", reference)
    }

    /// Sets the `{id}` path parameter (an attachment's) and the paths that carry it.
    pub fn with_id(self, id: &str) -> Self {
        self.with_path_parameter("id", id)
    }

    fn with_path_parameter(mut self, name: &str, value: &str) -> Self {
        let old = self.0["pathParameters"][name]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.0["pathParameters"][name] = Value::String(value.to_owned());
        if old.is_empty() {
            return self;
        }
        for path in [&["rawPath"][..], &["requestContext", "http", "path"][..]] {
            let mut node = &mut self.0;
            for key in path {
                node = &mut node[*key];
            }
            if let Some(p) = node.as_str() {
                *node = Value::String(p.replacen(&format!("/{old}"), &format!("/{value}"), 1));
            }
        }
        self
    }

    /// The same caller on another route: method, route template, concrete path and path
    /// parameters, as API Gateway would fill them.
    pub fn on_route(
        mut self,
        method: &str,
        template: &str,
        path: &str,
        params: &[(&str, &str)],
    ) -> Self {
        let route = format!("{method} {template}");
        self.0["routeKey"] = Value::String(route.clone());
        self.0["requestContext"]["routeKey"] = Value::String(route);
        self.0["rawPath"] = Value::String(path.to_owned());
        self.0["requestContext"]["http"]["path"] = Value::String(path.to_owned());
        self.0["requestContext"]["http"]["method"] = Value::String(method.to_owned());
        let mut map = serde_json::Map::new();
        for (k, v) in params {
            map.insert((*k).to_owned(), Value::String((*v).to_owned()));
        }
        self.0["pathParameters"] = Value::Object(map);
        self.0["headers"]["content-type"] = Value::String("application/json".to_owned());
        self
    }

    /// Replaces the query string with these parameters.
    pub fn with_query(mut self, params: &[(&str, &str)]) -> Self {
        let mut map = serde_json::Map::new();
        for (k, v) in params {
            map.insert((*k).to_owned(), Value::String((*v).to_owned()));
        }
        self.0["rawQueryString"] = Value::String(
            params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        );
        self.0["queryStringParameters"] = if map.is_empty() {
            Value::Null
        } else {
            Value::Object(map)
        };
        self
    }

    /// The request Lambda would hand the function.
    pub fn request(&self) -> lambda_http::Request {
        lambda_http::request::from_str(&self.0.to_string()).expect("a valid API Gateway event")
    }
}

/// A handler's response, read back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// Reads a response.
    pub fn of(response: lambda_http::Response<lambda_http::Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.body() {
            lambda_http::Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
            lambda_http::Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        Self {
            status,
            headers,
            body,
        }
    }
}
