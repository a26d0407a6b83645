// What --help shows beyond the options: examples and exit codes for each command, and a
// suggestion for a mistyped command.
#include <algorithm>
#include <map>

#include "common.hpp"

namespace ltsign::cli {
namespace {

const std::map<std::string, std::string>& examples() {
    static const std::map<std::string, std::string> table = {
        {"sign",
         "Examples:\n"
         "  ltsign sign beslut.pdf --key sigill.p12 --pass-env PASS -o beslut.pdf.p7s\n"
         "  ltsign sign dokument/ --key sigill.p12 --pass-env PASS --level T --tsa URL -o sig/\n"
         "  ltsign sign a.pdf b.xml --format asic-e --key 'pkcs11:token=Sigill;object=nyckel'"
         " --pass-env PIN -o arende.asice\n"
         "  ltsign sign beslut.pdf --prepare --cert sigill.pem -o beslut.pending\n"},
        {"verify",
         "Examples:\n"
         "  ltsign verify beslut.pdf.p7s --data beslut.pdf --trust rot.pem\n"
         "  ltsign verify leverans/signaturer --data leverans/dokument --trust rot.pem --quiet\n"
         "  ltsign verify bevis/ --data leverans/ --trust rot.pem --json --report-xml rapport.xml\n"
         "  ltsign verify avtal.pdf --trust rot.pem --at 2040-01-01T00:00:00Z --offline\n"},
        {"inspect",
         "Examples:\n"
         "  ltsign inspect beslut.pdf.p7s\n"
         "  ltsign inspect bevis/beslut.pdf.ers --json\n"},
        {"timestamp",
         "Examples:\n"
         "  ltsign timestamp protokoll.pdf --tsa URL -o protokoll.pdf.tst\n"
         "  ltsign timestamp avtal.pdf --format pades --tsa URL -o avtal-ts.pdf\n"},
        {"extend",
         "Examples:\n"
         "  ltsign extend beslut.pdf.p7s --level LTA --tsa URL --trust rot.pem --data beslut.pdf"
         " --in-place\n"
         "  ltsign extend signaturer/ --level LTA --tsa URL --trust rot.pem --data dokument/"
         " --in-place\n"},
        {"seal",
         "Examples:\n"
         "  ltsign seal leverans/ --tsa URL -o bevis/\n"
         "  ltsign seal leverans/ --tsa URL --format xml --trust rot.pem -o bevis/\n"},
        {"renew",
         "Examples:\n"
         "  ltsign renew bevis/ --tsa URL --trust rot.pem\n"
         "  ltsign renew bevis/ --tsa URL --digest sha512 --data leverans/\n"},
        {"ingest",
         "Examples:\n"
         "  ltsign ingest leverans.zip -o mottaget/leverans --key arkivet.p12 --pass-env PIN"
         " --tsa URL --trust rotar/\n"
         "  ltsign ingest leverans/ -o mottaget/leverans --key arkivet.p12 --pass-env PIN"
         " --tsa URL --trust rotar/ --require signed --json\n"
         "  ltsign verify mottaget/leverans/svt --data leverans/ --trust arkivrot.pem\n"},
        {"tsa",
         "Examples:\n"
         "  ltsign tsa --key tsa.p12 --pass-env PASS --listen 127.0.0.1:3180 --serial-file"
         " serial.txt\n"},
        {"trust",
         "Examples:\n"
         "  ltsign trust fetch --lotl URL --lotl-signer lotl-signer.pem -o listor-2026-12/\n"
         "  ltsign trust show listor-2026-12/ --json\n"},
        {"keys",
         "Examples:\n"
         "  ltsign keys list --pkcs11-module /usr/lib/softhsm/libsofthsm2.so\n"},
        {"serve",
         "Examples:\n"
         "  ltsign serve --listen 127.0.0.1:8080 --config /etc/ltsign/serve.json\n"
         "  printf %s \"$TOKEN\" | ltsign serve --hash-token\n"},
    };
    return table;
}

std::size_t distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// CLI11 names the groups of options and of subcommands "Options" and "Subcommands" itself (not
// through its formatter's labels): each option and subcommand, nested ones too, gets the group's
// name in the chosen language.
void translate_groups(CLI::App& app, const std::string& options, const std::string& commands) {
    for (CLI::Option* option : app.get_options()) {
        if (option->get_group() == "Options") option->group(options);
    }
    for (CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_group() == "Subcommands") sub->group(commands);
        translate_groups(*sub, options, commands);
    }
}

}  // namespace

void add_help_texts(CLI::App& root) {
    translate_groups(root, tr("Options"), tr("Subcommands"));
    const std::string exit_codes =
        tr("\nExit codes: 0 passed (or done), 1 something failed, 2 indeterminate, 64 usage,\n"
           "65 malformed input, 66 input missing, 69 service unavailable, 70 internal error,\n"
           "73 cannot create output, 74 I/O error, 77 key or password refused (docs/cli.md).\n");
    root.footer(tr("Run ltsign COMMAND --help for a command's options and examples.\n") +
                exit_codes);
    for (CLI::App* sub : root.get_subcommands({})) {
        const auto found = examples().find(sub->get_name());
        std::string text = found == examples().end() ? std::string() : found->second;
        // The examples are command lines; only their heading is words.
        if (text.starts_with("Examples:")) text = tr("Examples:") + text.substr(9);
        sub->footer(text + exit_codes);
    }
}

std::string did_you_mean(CLI::App& root, int argc, char** argv) {
    std::string word;
    for (int i = 1; i < argc; ++i) {
        if (argv[i][0] != '-') {
            word = argv[i];
            break;
        }
    }
    if (word.empty()) return "";
    std::string best;
    std::size_t best_distance = 3;  // at most two edits away
    for (CLI::App* sub : root.get_subcommands({})) {
        if (sub->get_name() == word) return "";  // a known command: the error is elsewhere
        const std::size_t d = distance(word, sub->get_name());
        if (d < best_distance) {
            best_distance = d;
            best = sub->get_name();
        }
    }
    return best.empty() ? "ltsign: " + trf("unknown command {0}; see ltsign --help", {word})
                        : "ltsign: " + trf("unknown command {0}; did you mean {1}?", {word, best});
}

}  // namespace ltsign::cli
