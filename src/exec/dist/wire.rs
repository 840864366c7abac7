//! Messages as bytes, for transports that move bytes (MPI): a kind byte,
//! then its body. Task results are in the payload encoding
//! (`graph::codec`), delayed values in their registered serde encoding.

use super::value::{decode_value, encode_value};
use super::{Inbound, Message};
use crate::error::{Error, Result};
use crate::graph::Payload;

const DIGEST: u8 = 1;
const VERDICT: u8 = 2;
const RESULT: u8 = 3;
const VALUE: u8 = 4;
const ABORT: u8 = 5;

/// The bytes of a message.
pub(crate) fn encode(msg: &Message) -> Result<Vec<u8>> {
    encode_after(msg, 0)
}

/// The bytes of a message after `prefix` zero bytes (a transport's frame
/// header, filled in place).
pub(crate) fn encode_after(msg: &Message, prefix: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; prefix];
    match msg {
        Message::Digest(d) => {
            out.push(DIGEST);
            out.extend_from_slice(&d.to_le_bytes());
        }
        Message::Verdict(None) => out.extend_from_slice(&[VERDICT, 0]),
        Message::Verdict(Some(s)) => {
            out.extend_from_slice(&[VERDICT, 1]);
            out.extend_from_slice(s.as_bytes());
        }
        Message::Abort(s) => {
            out.push(ABORT);
            out.extend_from_slice(s.as_bytes());
        }
        Message::Result(t, p) => match &**p {
            Payload::Value(v) => {
                out.push(VALUE);
                out.extend_from_slice(&t.to_le_bytes());
                out.extend_from_slice(&encode_value(v)?);
            }
            p => {
                out.push(RESULT);
                out.extend_from_slice(&t.to_le_bytes());
                p.encode_into(&mut out)?;
            }
        },
    }
    Ok(out)
}

/// What rank `from`'s bytes say.
pub(crate) fn decode(from: u32, b: &[u8]) -> Result<Inbound> {
    let bad = || Error::Decode(format!("a malformed message from rank {from}"));
    let (&kind, body) = b.split_first().ok_or_else(bad)?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(match kind {
        DIGEST => Inbound::Digest { from, digest: u64::from_le_bytes(body.try_into().map_err(|_| bad())?) },
        VERDICT => match body.split_first() {
            Some((0, _)) => Inbound::Verdict(None),
            Some((_, s)) => Inbound::Verdict(Some(text(s))),
            None => return Err(bad()),
        },
        ABORT => Inbound::Failed(Error::RankFailed { rank: from, message: text(body) }),
        RESULT | VALUE => {
            let t = u32::from_le_bytes(body.get(..4).ok_or_else(bad)?.try_into().map_err(|_| bad())?);
            let p =
                if kind == RESULT { Payload::decode(&body[4..])? } else { Payload::Value(decode_value(&body[4..])?) };
            Inbound::Result(t, p)
        }
        _ => return Err(bad()),
    })
}
