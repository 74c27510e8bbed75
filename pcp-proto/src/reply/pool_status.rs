//! Pool status (`B` → `b`): Pgpool's configuration, one `ProcessConfig` record per setting.

use bytes::BytesMut;

use crate::error::{DecodeError, EncodeError};
use crate::fields::lossy;
use crate::frame::Frame;
use crate::reply::array::{encode_array, ArrayFraming, ArrayPart, CountEncoding};
use crate::reply::{Progress, ReplyReader};
use crate::request::Command;

/// Marker of a pool-status record.
pub const PROCESS_CONFIG: &str = "ProcessConfig";

/// One configuration setting. Values and descriptions are free text (truncated by the server
/// to 512 and 80 bytes); bytes that are not UTF-8 are replaced, never refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConfigItem {
    /// Setting name, e.g. `backend_hostname0`.
    pub name: String,
    /// Current value as text (`(null)` for unset lists).
    pub value: String,
    /// Short description.
    pub description: String,
}

impl ConfigItem {
    /// Appends a whole pool-status reply for `items`.
    pub fn encode_all(items: &[ConfigItem], buf: &mut BytesMut) -> Result<(), EncodeError> {
        let records: Vec<Vec<String>> = items
            .iter()
            .map(|i| vec![i.name.clone(), i.value.clone(), i.description.clone()])
            .collect();
        encode_array(b'b', PROCESS_CONFIG, CountEncoding::Binary, &records, buf)
    }
}

/// Reads the `b` reply (its count is a binary integer, unlike every other reply).
#[derive(Debug, Clone)]
pub struct PoolStatusReader {
    framing: ArrayFraming,
    items: Vec<ConfigItem>,
}

impl Default for PoolStatusReader {
    fn default() -> Self {
        PoolStatusReader {
            framing: ArrayFraming::new(PROCESS_CONFIG, CountEncoding::Binary),
            items: Vec::new(),
        }
    }
}

impl PoolStatusReader {
    /// A new reader.
    pub fn new() -> Self {
        Self::default()
    }
}

impl ReplyReader for PoolStatusReader {
    type Output = Vec<ConfigItem>;

    fn command(&self) -> Command {
        Command::PoolStatus
    }

    fn handle_frame(&mut self, frame: &Frame) -> Result<Progress<Vec<ConfigItem>>, DecodeError> {
        match self.framing.next(&frame.payload)? {
            ArrayPart::Size => {
                self.items.reserve(self.framing.capacity_hint());
                Ok(Progress::NeedMore)
            }
            ArrayPart::Record(mut f) => {
                let name = lossy(f.next_bytes("name")?);
                let value = lossy(f.next_bytes("value")?);
                let description = lossy(f.next_bytes("description")?);
                f.finish(PROCESS_CONFIG)?;
                self.items.push(ConfigItem {
                    name,
                    value,
                    description,
                });
                Ok(Progress::NeedMore)
            }
            ArrayPart::Complete => Ok(Progress::Done(std::mem::take(&mut self.items))),
        }
    }
}
