// SessionShared: the state every session of one server shares, owned by run_server and
// outliving every session (run_server joins the store pool and drops the network contexts
// before it goes away). Sessions only hold a reference to it.
//
// Thread-safety: the references point at objects that are thread-safe themselves (Handler,
// Metrics, AccessLog, ConnectionTracker, WriteQueue, RequestIds); `options` is read-only.
#pragma once

#include "api/access_log.hpp"
#include "api/connection_tracker.hpp"
#include "api/handler.hpp"
#include "api/metrics.hpp"
#include "api/net.hpp"
#include "api/request_id.hpp"
#include "api/server.hpp"
#include "api/write_queue.hpp"

namespace chipreg::api {

struct SessionShared {
  const ServerOptions& options;
  const Handler& handler;
  Metrics& metrics;
  AccessLog& log;
  ConnectionTracker& tracker;
  asio::thread_pool& store_pool;  // runs Handler::handle for store-backed reads
  WriteQueue& writes;             // and, batched and committed together, the writes
  RequestIds& request_ids;        // X-Request-Id for every answer, refusals included
};

}  // namespace chipreg::api
