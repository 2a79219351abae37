#pragma once

#include <string_view>

namespace ferris {

/// Test hook (DESIGN.md §2.2): `FERRIS_FAULT_POINT=<point>` or `<point>:<n>` makes the process
/// kill itself with SIGKILL the n-th time (default: the first) it reaches `point`, so failure
/// tests can aim as well as shoot at random. The points: `after_produce` (a batch's output
/// handed to the sink), `after_send_offsets` (a transaction holds the output and the source
/// offsets, not yet committed), `in_commit` (a transaction committed, the job not yet told),
/// `in_restore` (start-up: transactions initialised, nothing restored or read yet).
/// Unset, it costs one load and a compare.
void faultPoint(std::string_view point);

/// Test hook: `FERRIS_FAULT_ABORT=<n>` makes every n-th transaction commit of a transactional
/// job an abort instead, as an abortable error would (the job rewinds its input and restores
/// its state). True when this call's commit is to be aborted. Unset, always false. Read at
/// each call.
bool faultAbort();

}  // namespace ferris
