// deshim errors as gRPC statuses, and back.
//
// Every CRI handler answers with a status whose code tells the kubelet what kind of failure
// it was (INVALID_ARGUMENT for a bad request, NOT_FOUND, UNAVAILABLE when the environment
// failed, INTERNAL for a bug) and whose message says what to do: the error's message, plus its
// hint. The client maps statuses back to errors with the matching kind.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "common/error.h"

namespace deshim::runtime {

grpc::StatusCode status_code_for(error_kind kind);
/// "NOT_FOUND", "UNAVAILABLE", ... as gRPC spells the codes.
const char* grpc_code_name(grpc::StatusCode code);
grpc::Status to_grpc_status(const error& failure);
/// `what` names the call ("ImageStatus"); the endpoint is named in the message.
error from_grpc_status(const grpc::Status& status, const std::string& what,
                       const std::string& endpoint);

}  // namespace deshim::runtime
