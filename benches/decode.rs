//! Decode cost of whole replies, from received bytes to the typed result, through
//! `FrameDecoder` + `Exchange` exactly as a client drives them.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pcp_benches::{decode_reply, node_info_4_3, pool_status, process_info_4_3};
use pcp_proto::{NodeInfoReader, PoolStatusReader, ProcessInfoReader, ReplyReader};

fn bench_reply<R, F>(c: &mut Criterion, name: &str, wire: &[u8], make: F)
where
    R: ReplyReader,
    F: Fn() -> R,
{
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.bench_function(name, |b| {
        // One receive buffer, reused as a client's read loop reuses it: each iteration copies
        // the reply in (as a socket read would) and decodes it. The copy is a few nanoseconds
        // and is included, so the figures are an upper bound on the decode alone.
        let mut input = BytesMut::with_capacity(wire.len());
        b.iter(|| {
            input.extend_from_slice(black_box(wire));
            black_box(decode_reply(make(), &mut input))
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    bench_reply(
        c,
        "node_info_4_3_x3",
        &node_info_4_3(3),
        NodeInfoReader::new,
    );
    bench_reply(
        c,
        "process_info_4_3_x3000",
        &process_info_4_3(3000),
        ProcessInfoReader::new,
    );
    bench_reply(
        c,
        "pool_status_x152",
        &pool_status(152),
        PoolStatusReader::new,
    );
}

criterion_group!(benches, decode);
criterion_main!(benches);
