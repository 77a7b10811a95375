#include "runtime/proto/grpc_status.h"

namespace deshim::runtime {

grpc::StatusCode status_code_for(error_kind kind) {
  switch (kind) {
    case error_kind::invalid_input:
    case error_kind::usage:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case error_kind::not_found:
      return grpc::StatusCode::NOT_FOUND;
    case error_kind::environment:
      return grpc::StatusCode::UNAVAILABLE;
    case error_kind::internal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::UNKNOWN;
}

const char* grpc_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    default:
      return "UNKNOWN";
  }
}

grpc::Status to_grpc_status(const error& failure) {
  std::string message = failure.message();
  if (!failure.hint().empty()) message += " (hint: " + failure.hint() + ")";
  return {status_code_for(failure.kind()), message};
}

error from_grpc_status(const grpc::Status& status, const std::string& what,
                       const std::string& endpoint) {
  std::string message = what + " on " + endpoint + " failed: " + status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return error(error_kind::invalid_input, message);
    case grpc::StatusCode::NOT_FOUND:
      return error(error_kind::not_found, message);
    case grpc::StatusCode::UNIMPLEMENTED:
      return error(
          error_kind::environment, message, {},
          "the runtime does not serve this call; is it a CRI runtime of a supported version?");
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return error(error_kind::environment, message, {},
                   "check that the runtime is running and the socket path is right");
    default:
      return error(error_kind::environment, message);
  }
}

}  // namespace deshim::runtime
