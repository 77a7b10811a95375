// The part of Go's text/template that crictl's -o go-template is used with: field paths,
// if/else/range/with, pipelines and crictl's functions, printed as Go prints values; what is
// not supported is a usage error naming the construct, and a missing key an error as with
// crictl's missingkey=error.
#include "runtime/client/go_template.h"

#include <gtest/gtest.h>

#include <random>

namespace deshim::runtime {
namespace {

const nlohmann::json data = nlohmann::json::parse(R"({
  "status": {"id": "abc", "state": "CONTAINER_RUNNING", "labels": {"b": "2", "a": "1"},
             "mounts": [], "ports": [80, 443], "name": "web server"},
  "info": {"pid": 4242, "sandboxID": "p1", "config": null, "privileged": false,
           "html": "<a&b>"}
})");

std::string run(const std::string& text) {
  auto out = run_go_template(text, data);
  EXPECT_TRUE(out) << text << ": " << out.error().describe();
  return out ? *out : "";
}

TEST(go_template, field_paths_print_as_go_prints_them) {
  EXPECT_EQ(run("{{.info.pid}}"), "4242");
  EXPECT_EQ(run("pid={{ .info.pid }} id={{.status.id}}"), "pid=4242 id=abc");
  EXPECT_EQ(run("{{.status.labels}}"), "map[a:1 b:2]");
  EXPECT_EQ(run("{{.status.ports}}"), "[80 443]");
  EXPECT_EQ(run("{{.info.config}}"), "<no value>");
  EXPECT_EQ(run("{{.info.privileged}}"), "false");
  EXPECT_EQ(run("{{$.status.id}}"), "abc");
}

TEST(go_template, control_structures_and_trimming) {
  EXPECT_EQ(run("{{range .status.ports}}{{.}},{{end}}"), "80,443,");
  EXPECT_EQ(run("{{range .status.mounts}}x{{else}}none{{end}}"), "none");
  EXPECT_EQ(run("{{range .status.labels}}{{.}}{{end}}"), "12");
  EXPECT_EQ(run("{{if .info.privileged}}yes{{else}}no{{end}}"), "no");
  EXPECT_EQ(run("{{if .info.config}}c{{else if .info.pid}}p{{else}}n{{end}}"), "p");
  EXPECT_EQ(run("{{with .status}}{{.id}}{{end}}"), "abc");
  EXPECT_EQ(run("a  {{- .status.id -}}  b"), "aabcb");
  EXPECT_EQ(run("{{/* a comment */}}x"), "x");
}

TEST(go_template, crictls_functions_and_pipelines) {
  EXPECT_EQ(run("{{json .status.labels}}"), "{\"a\":\"1\",\"b\":\"2\"}\n");
  EXPECT_EQ(run("{{.info.html | json}}"), "\"\\u003ca\\u0026b\\u003e\"\n");
  EXPECT_EQ(run("{{upper .status.id}} {{.status.state | lower}} {{title .status.name}}"),
            "ABC container_running Web Server");
  EXPECT_EQ(run("{{index .status.labels \"a\"}} {{index .status.ports 1}}"), "1 443");
  EXPECT_EQ(run("{{len .status.ports}}"), "2");
  EXPECT_EQ(run("{{if eq .status.id \"abc\"}}same{{end}}"), "same");
  EXPECT_EQ(run("{{if and .info.pid (not .info.privileged)}}ok{{end}}"), "ok");
  EXPECT_EQ(run("{{print .info.pid 1}}"), "4242 1");
}

TEST(go_template, a_missing_key_is_an_error_as_with_missingkey_error) {
  auto out = run_go_template("{{.info.nothere}}", data);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().describe().find("map has no entry for key \"nothere\""), std::string::npos)
      << out.error().describe();
  auto deeper = run_go_template("{{.status.id.x}}", data);
  ASSERT_FALSE(deeper);
  EXPECT_NE(deeper.error().describe().find("can't evaluate field x in type string"),
            std::string::npos);
}

TEST(go_template, unsupported_constructs_are_named) {
  for (const char* text : {"{{$x := .info}}", "{{printf \"%d\" .info.pid}}", "{{template \"t\"}}",
                           "{{define \"t\"}}x{{end}}"}) {
    auto out = run_go_template(text, data);
    ASSERT_FALSE(out) << text;
    EXPECT_EQ(out.error().exit_status(), 2);
    EXPECT_NE(out.error().describe().find("not supported"), std::string::npos)
        << out.error().describe();
  }
  // Deep nesting is an error, not a stack overflow.
  std::string parens =
      "{{" + std::string(100000, '(') + ".info.pid" + std::string(100000, ')') + "}}";
  std::string blocks;
  for (int i = 0; i < 100000; ++i)
    blocks += "{{if .info.pid}}";
  for (const std::string& deep : {parens, blocks}) {
    auto out = run_go_template(deep, data);
    ASSERT_FALSE(out);
    EXPECT_NE(out.error().describe().find("nested too deeply"), std::string::npos);
  }
  EXPECT_EQ(run("{{((.info.pid))}}"), "4242");
  for (const char* text : {"{{.info.pid", "{{if .info.pid}}x", "{{end}}", "{{nosuch .x}}", "{{",
                           "{{}}", "{{-}}", "{{()}}", "{{|}}", "{{.a|}}", "{{\"}}"}) {
    auto out = run_go_template(text, data);
    EXPECT_FALSE(out) << text;
  }
}

TEST(go_template, random_token_soup_never_crashes) {
  // Templates are user input: any mix of the pieces either runs or is an error.
  const std::vector<std::string> pieces = {
      "{{",    "}}", "{{-", "-}}",  " ",   ".",     ".info", ".pid",  ".status", "$",     "(",
      ")",     "|",  "if",  "else", "end", "range", "with",  "json",  "len",     "index", "eq",
      "\"a\"", "1",  "x",   "/*",   "*/",  "not",   "and",   "print", ":=",      "`",     "\\"};
  std::mt19937 random(26);
  int ran = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = 0, count = static_cast<int>(random() % 12) + 1; n < count; ++n)
      text += pieces[random() % pieces.size()];
    auto out = run_go_template(text, data);
    if (out) ++ran;
  }
  EXPECT_GT(ran, 0);
}

}  // namespace
}  // namespace deshim::runtime
