// What every subcommand shares: how it is registered, passwords, and reading times.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "ltsign/ltsign.hpp"

namespace ltsign::cli {

// A subcommand: its parser node and what to run when it was chosen. `run` returns the exit code
// and may throw ltsign::Error.
struct Command {
    CLI::App* app;
    std::function<int()> run;
};

Command add_sign(CLI::App& root);
Command add_verify(CLI::App& root);
Command add_inspect(CLI::App& root);

// A password from --pass-env VAR or --pass-file F (first line), never from the command line.
// Empty when neither is given. The caller cleanses it with wipe().
std::string read_password(const std::string& env_var, const std::string& file);
void wipe(std::string& secret) noexcept;

TimePoint parse_time_option(const std::string& text, const std::string& option);

bool stderr_is_terminal();
bool stdout_is_terminal();

}  // namespace ltsign::cli
