// Node scripts reader (analyze input 5): finds every docker and docker-compose call in the
// node's crontabs, in its systemd units under /etc/systemd/system, and in the scripts given
// with `--scan`, through the translate engine's scanner (translate/scan.h), so findings can
// show each call's replacement and verdict.
#pragma once

#include <string>
#include <vector>

#include "analyze/node_facts.h"
#include "common/result.h"
#include "common/rooted_fs.h"

namespace deshim::analyze {

/// Fills `facts.scripts` and records every file read in `facts.inputs`.
///
/// Node files (under `fs`): /etc/crontab, /etc/cron.d/*, /var/spool/cron/* and
/// /var/spool/cron/crontabs/* (user crontabs on Red Hat and Debian), and every *.service unit and
/// drop-in *.d/*.conf under /etc/systemd/system, recursively. A unit symlinked from elsewhere in
/// the root (multi-user.target.wants/x.service -> /usr/lib/systemd/system/x.service) is read
/// once, under its target's path; one whose link climbs out of the root is recorded as skipped.
///
/// `scan_paths` are host paths (like --workloads), files or folders; a relative one is relative
/// to the working folder. A missing or unreadable one is an error, or, with `keep_going`, an
/// input recorded as "error".
result<void> read_node_scripts(const rooted_fs& fs, const std::vector<std::string>& scan_paths,
                               bool keep_going, node_facts& facts);

}  // namespace deshim::analyze
