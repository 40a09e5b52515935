// The azllm command line: argument parsing and one function per subcommand. Exit codes:
// 0 done, 1 runtime error, 2 usage error; errors are one line "azllm: error: ..." on stderr.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace azllm::cli {

enum ExitCode { kOk = 0, kRuntimeError = 1, kUsageError = 2 };

// Parsed "--name value" / "--flag" options plus positional arguments.
struct Args {
    std::map<std::string, std::vector<std::string>> values; // flag -> values in order
    std::vector<std::string> positional;
    std::vector<std::string> order; // flags as given

    bool has(const std::string& f) const { return values.count(f) > 0; }
    std::string get(const std::string& f, const std::string& def = {}) const;
};

int run(int argc, char** argv);

} // namespace azllm::cli
