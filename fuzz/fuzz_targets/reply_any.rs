//! Any command's reply reader over an arbitrary frame stream: the first byte picks the
//! command, the rest goes through FrameDecoder + Exchange<AnyReader>. Never panics, never
//! consumes more than given, and feeding the stream in two pieces gives the same result.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use pcp_proto::{
    AnyReader, Command, DecodeError, Exchange, FrameDecoder, Progress, Reply, ServerMessage,
};

const COMMANDS: [Command; 20] = [
    Command::Salt,
    Command::Authenticate,
    Command::NodeCount,
    Command::NodeInfo,
    Command::HealthCheckStats,
    Command::ProcessCount,
    Command::ProcessInfo,
    Command::PoolStatus,
    Command::WatchdogInfo,
    Command::AttachNode,
    Command::DetachNode,
    Command::PromoteNode,
    Command::RecoverNode,
    Command::StopPgpool,
    Command::ReloadConfig,
    Command::LogRotate,
    Command::InvalidateQueryCache,
    Command::SetParameter,
    Command::Noop,
    Command::Terminate,
];

type Outcome = Result<Option<Result<Reply, ServerMessage>>, DecodeError>;

/// Feeds `pieces` in turn; returns the outcome and the bytes consumed as frames.
fn run(command: Command, pieces: &[&[u8]]) -> (Outcome, usize) {
    let decoder = FrameDecoder::new();
    let mut exchange = Exchange::new(AnyReader::new(command));
    let mut buf = BytesMut::new();
    let mut given = 0usize;
    let mut consumed = 0usize;
    for piece in pieces {
        buf.extend_from_slice(piece);
        given += piece.len();
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    consumed += before - buf.len();
                    assert!(consumed <= given);
                    match exchange.handle_frame(&frame) {
                        Ok(Progress::NeedMore) => {}
                        Ok(Progress::Done(result)) => {
                            // A complete exchange refuses anything further.
                            assert_eq!(
                                exchange.handle_frame(&frame),
                                Err(DecodeError::AfterCompletion)
                            );
                            return (Ok(Some(result)), consumed);
                        }
                        Err(e) => return (Err(e), consumed),
                    }
                }
                Ok(None) => break,
                Err(e) => return (Err(e), consumed),
            }
        }
    }
    (Ok(None), consumed)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, stream)) = data.split_first() else {
        return;
    };
    let command = COMMANDS[usize::from(selector) % COMMANDS.len()];
    let whole = run(command, &[stream]);
    assert!(whole.1 <= stream.len());
    let cut = usize::from(selector) * 7 % (stream.len() + 1);
    let split = run(command, &[&stream[..cut], &stream[cut..]]);
    // NaN in health-check averages is not equal to itself; compare the debug text instead.
    assert_eq!(format!("{:?}", split), format!("{:?}", whole));
});
