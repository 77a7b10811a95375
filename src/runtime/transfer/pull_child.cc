#include "runtime/transfer/pull_child.h"

#include <signal.h>

#include "runtime/image/pull_protocol.h"
#include "runtime/transfer/in_process_puller.h"

namespace deshim::runtime {

namespace {

result<std::string> pull_for(const std::vector<std::string>& args, std::string_view input) {
  auto request = parse_pull_child_arguments(args);
  if (!request) return request.error();
  auto credentials = decode_credentials(input);
  if (!credentials) return credentials.error();
  auto images = image_service::open(options_for(*request));
  if (!images) return images.error();
  (*images)->set_puller(std::make_shared<in_process_puller>());
  return (*images)->pull(request->reference, *credentials);
}

}  // namespace

int run_pull_child(const std::vector<std::string>& args, std::string_view input,
                   std::string& output) {
  // The server blocks SIGTERM and SIGINT in all its threads (serve.cc) and a signal mask
  // survives fork and exec: unblock them, so this child stops like any process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_UNBLOCK, &signals, nullptr);
  auto outcome = pull_for(args, input);
  output = encode_pull_answer(outcome);
  return outcome ? 0 : outcome.error().exit_status();
}

}  // namespace deshim::runtime
