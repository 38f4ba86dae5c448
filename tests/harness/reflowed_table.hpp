// Harness self-test: a comment table as clang-format reflowed it before .clang-format's
// CommentPragmas kept table rows whole (the top of core/objects.hpp had it so). The comment
// table check must reject it (harness/tables_must_catch_reflow is registered WILL_FAIL).
//
//   | object   | what                                               | a base::device? | Linux name
//   |
//   |----------|----------------------------------------------------|-----------------|------------|
//   | port     | root, host-bridge, switch or endpoint port         | yes, bus "cxl"  | root0,
//   portN, endpointN | | dport    | a downstream port of a port (host bridge, root port, switch
//   downstream port) | no | - | | decoder  | root (a CFMWS window), switch or endpoint HDM decoder
//   | no, owned by its port | decoderP.N | | memdev   | a CXL memory device (Type-3, or Type-2
//   device memory) | yes, bus "cxl" | memN | | region   | HPA mapped by decoders on every level |
//   no, owned by the core | regionN |
#pragma once
