//! Delayed values that cross ranks: a value is any Rust type, so a type
//! is sent only once it is registered (on every rank, as the whole program
//! runs on every rank) with its serde encoding.

use crate::error::{Error, Result};
use crate::ops::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

type Encode = fn(&Value) -> Result<Vec<u8>>;
type Decode = fn(&[u8]) -> Result<Value>;

#[derive(Default)]
struct Registry {
    by_type: HashMap<TypeId, (&'static str, Encode)>,
    by_name: HashMap<&'static str, Decode>,
}

fn registry() -> &'static RwLock<Registry> {
    static R: OnceLock<RwLock<Registry>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn encode<T: Serialize + 'static>(v: &Value) -> Result<Vec<u8>> {
    let v = v.downcast_ref::<T>().ok_or_else(|| Error::Internal("a value of another type".into()))?;
    let mut out = vec![];
    ciborium::into_writer(v, &mut out)
        .map_err(|e| Error::NotEncodable(format!("{}: {e}", std::any::type_name::<T>())))?;
    Ok(out)
}

fn decode<T: DeserializeOwned + Send + Sync + 'static>(b: &[u8]) -> Result<Value> {
    let v: T = ciborium::from_reader(b).map_err(|e| Error::Decode(format!("{}: {e}", std::any::type_name::<T>())))?;
    Ok(Arc::new(v))
}

/// Lets delayed values of type `T` travel between ranks (serde, as CBOR).
/// Call it on every rank before computing; a value of a type not
/// registered that another rank needs fails the computation, naming the
/// task.
///
/// ```
/// darray::exec::dist::register_value::<Vec<f64>>();
/// ```
pub fn register_value<T: Serialize + DeserializeOwned + Send + Sync + 'static>() {
    let name = std::any::type_name::<T>();
    let mut r = registry().write().unwrap_or_else(|e| e.into_inner());
    r.by_type.insert(TypeId::of::<T>(), (name, encode::<T>));
    r.by_name.insert(name, decode::<T>);
}

/// The value's type name and encoding.
pub(crate) fn encode_value(v: &Value) -> Result<Vec<u8>> {
    let r = registry().read().unwrap_or_else(|e| e.into_inner());
    let id = (**v).type_id();
    let Some((name, enc)) = r.by_type.get(&id) else {
        return Err(Error::NotEncodable(
            "a delayed value another rank reads, of a type not registered for sending: call \
             darray::exec::dist::register_value::<T>() for it on every rank"
                .into(),
        ));
    };
    let body = enc(v)?;
    let mut out = Vec::with_capacity(4 + name.len() + body.len());
    out.extend_from_slice(&(name.len() as u32).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// A value from [`encode_value`]'s bytes.
pub(crate) fn decode_value(b: &[u8]) -> Result<Value> {
    let bad = || Error::Decode("a truncated delayed value".into());
    let len = u32::from_le_bytes(b.get(..4).ok_or_else(bad)?.try_into().expect("4 bytes")) as usize;
    let name = b.get(4..4 + len).ok_or_else(bad)?;
    let name = std::str::from_utf8(name).map_err(|_| bad())?;
    let r = registry().read().unwrap_or_else(|e| e.into_inner());
    let dec = r
        .by_name
        .get(name)
        .ok_or_else(|| Error::Decode(format!("a delayed value of type {name}, not registered on this rank")))?;
    dec(&b[4 + len..])
}
