// The HTML reports as a browser shows them: Debian's headless Chromium renders the example node's
// report and a fleet report (scripts/report-screenshot), and the test reads the page Chromium
// built (--dump-dom) and the text of its printed form (pdftotext). The summary comes first and
// holds the verdict, the blockers with their owner and action, and who fixes what; details are
// collapsed on screen and open in print; the page loads nothing from outside.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/subprocess.h"

namespace deshim {
namespace {

namespace fs = std::filesystem;

const std::string source = DESHIM_SOURCE_DIR;

class report_html_browser : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/deshim-html-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    work_ = pattern;
    fs::create_directories(work_ / "reports");
    fs::create_directories(work_ / "empty-node");
  }
  void TearDown() override { fs::remove_all(work_); }

  std::string run(const std::vector<std::string>& argv) {
    run_options options;
    options.timeout = std::chrono::seconds(120);
    auto result = run_process(argv, options);
    EXPECT_TRUE(result) << result.error().describe();
    if (!result) return "";
    EXPECT_TRUE(result->exit_code == 0 || result->exit_code == 1)
        << argv[0] << " " << argv[1] << ": " << result->standard_error;
    return result->standard_output;
  }

  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(work_ / name) << text;
    return work_ / name;
  }

  /// The DOM Chromium built from `page`.
  std::string rendered_dom(const fs::path& page) {
    return run({"chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + (work_ / "profile").string(), "--dump-dom",
                "file://" + page.string()});
  }

  /// scripts/report-screenshot's PNG and PDF of `page`; the PDF's text.
  std::string printed_text(const fs::path& page, const std::string& name) {
    run({source + "/scripts/report-screenshot", page.string(), (work_ / (name + ".png")).string()});
    EXPECT_GT(fs::file_size(work_ / (name + ".png")), 10000u);  // a real picture of the page
    return run({"pdftotext", (work_ / (name + ".pdf")).string(), "-"});
  }

  fs::path work_;
};

TEST_F(report_html_browser, node_report_opens_on_its_summary) {
  std::string html = run({DESHIM_BINARY, "analyze", "--root", source + "/examples/nodes/tke-docker",
                          "--workloads", source + "/examples/workloads/tke-docker", "-o", "html"});
  for (const char* external : {"<script", "<link", "<img", "@import", "url("}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
  auto page = write("node.html", html);
  std::string dom = rendered_dom(page);
  auto summary = dom.find("<section class=\"summary\" id=\"summary\">");
  auto findings = dom.find("<details id=\"findings\">");  // present, and not open
  ASSERT_NE(summary, std::string::npos) << dom.substr(0, 2000);
  ASSERT_NE(findings, std::string::npos);
  EXPECT_LT(summary, findings);
  std::string head = dom.substr(summary, findings - summary);
  EXPECT_NE(head.find("<span class=\"verdict blocked\">blocked</span>"), std::string::npos);
  // The blockers by what to fix, with the namespace as owner and the action.
  EXPECT_NE(head.find("<td><code>Deployment ci/jenkins-agent</code></td><td>ci</td>"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("<td><code>Pod kube-system/node-problem-detector</code></td><td>"
                      "kube-system</td>"),
            std::string::npos);
  EXPECT_NE(head.find("Find what the container uses the Docker API for"), std::string::npos);
  // Who fixes what: migrate's list holds the dockershim flags, the person's list does not.
  auto migrate = head.find("fixes by itself");
  ASSERT_NE(migrate, std::string::npos);
  EXPECT_GT(head.find("kubelet-dockershim-flags"), migrate);
  EXPECT_LT(head.find("docker-live-restore"), migrate);
  EXPECT_NE(head.find("<h2>Not checked</h2>"), std::string::npos);
  // Evidence is only in the collapsed findings: not on screen, but printed.
  const std::string evidence = "hostPath /var/run/docker.sock mounted at /var/run/docker.sock";
  EXPECT_EQ(head.find(evidence), std::string::npos);
  EXPECT_NE(printed_text(page, "node").find(evidence), std::string::npos);
}

TEST_F(report_html_browser, fleet_report_opens_on_its_summary) {
  std::ofstream(work_ / "reports/example.json")
      << run({DESHIM_BINARY, "analyze", "--root", source + "/examples/nodes/tke-docker",
              "--workloads", source + "/examples/workloads/tke-docker", "-o", "json"});
  std::ofstream(work_ / "reports/empty.json")
      << run({DESHIM_BINARY, "analyze", "--root", (work_ / "empty-node").string(), "--node-name",
              "node-b", "-o", "json"});
  auto page =
      write("fleet.html",
            run({DESHIM_BINARY, "report", "merge", (work_ / "reports").string(), "-o", "html"}));
  std::string dom = rendered_dom(page);
  auto summary = dom.find("<section class=\"summary\" id=\"summary\">");
  auto rules = dom.find("<details id=\"rules\">");
  ASSERT_NE(summary, std::string::npos);
  ASSERT_NE(rules, std::string::npos);
  std::string head = dom.substr(summary, rules - summary);
  EXPECT_NE(head.find("2 nodes: <span class=\"blocked\">1 blocked</span>, <span "
                      "class=\"incomplete\">1 incomplete</span>"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("<td><code>Deployment jenkins-agent</code></td><td>ci</td>"),
            std::string::npos);
  EXPECT_NE(head.find("<li>node-b: kubelet</li>"), std::string::npos);
  // The rule table is collapsed on screen and printed.
  EXPECT_EQ(head.find("A workload mounts Docker's socket from the node"), std::string::npos);
  EXPECT_NE(printed_text(page, "fleet").find("A workload mounts Docker"), std::string::npos);
}

}  // namespace
}  // namespace deshim
