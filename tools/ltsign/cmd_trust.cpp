// ltsign trust fetch (--lotl URL --lotl-signer PEM | --tl URL --tl-signer PEM) -o SNAPSHOT
// ltsign trust show SNAPSHOT [--json]
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"

namespace ltsign::cli {
namespace {

struct FetchArgs {
    std::string lotl, lotl_signer, tl, tl_signer, output;
    double timeout_seconds = 30;
    bool json = false;
};

void print_fetched(const TrustSnapshotInfo& info, bool json) {
    if (json) {
        // The snapshot as verification will read it: index and digest.
        std::cout << describe_snapshot(info.path).to_json();
        return;
    }
    int used = 0;
    for (const auto& l : info.lists) used += l.used ? 1 : 0;
    std::cout << trf("snapshot {0} written ({1}): {2} of {3} list(s) usable",
                     {info.path.string(), info.digest, std::to_string(used),
                      std::to_string(info.lists.size())})
              << "\n";
    for (const auto& l : info.lists) {
        std::cout << (l.used ? "  used     " : "  REFUSED  ")
                  << (l.territory.empty() ? "?" : l.territory) << "  " << l.url;
        if (l.used) std::cout << "  " << trf("sequence {0}", {l.sequence_number});
        std::cout << "\n";
        if (!l.used) std::cout << "    " << tr("why:") << " " << l.problem << "\n";
    }
}

int run_fetch(const FetchArgs& a) {
    const bool lotl = !a.lotl.empty();
    if (lotl == !a.tl.empty())
        throw Error(Errc::usage, tr("name where to start: --lotl URL or --tl URL (one of them)"));
    TrustFetchOptions o;
    o.lotl = lotl;
    o.url = lotl ? a.lotl : a.tl;
    o.signer = lotl ? a.lotl_signer : a.tl_signer;
    if (o.signer.empty()) {
        const char* option = lotl ? "--lotl-signer PEM" : "--tl-signer PEM";
        throw Error(Errc::usage,
                    trf("name the certificate that must have signed the list: {0}", {option}));
    }
    o.output = a.output;
    o.timeout = std::chrono::milliseconds(static_cast<long>(a.timeout_seconds * 1000));
    const TrustSnapshotInfo info = fetch_trusted_lists(o);
    print_fetched(info, a.json);
    for (const auto& l : info.lists) {
        if (!l.used) {
            std::cerr << "ltsign trust fetch: "
                      << trf("{0} refused: {1}",
                             {l.territory.empty() ? l.url : l.territory, l.problem})
                      << "\n";
        }
    }
    // Written, but not everything is usable: like an INDETERMINATE verdict.
    for (const auto& l : info.lists)
        if (!l.used) return 2;
    return 0;
}

}  // namespace

Command add_trust(CLI::App& root) {
    auto fetch = std::make_shared<FetchArgs>();
    struct ShowArgs {
        std::string snapshot;
        bool json = false;
    };
    auto show = std::make_shared<ShowArgs>();
    CLI::App* app = root.add_subcommand(
        "trust", tr("EU trusted lists (ETSI TS 119 612): fetch a pinned snapshot, show one"));
    app->require_subcommand(1);
    CLI::App* f = app->add_subcommand(
        "fetch", tr("Download the LOTL and the lists it points to (or one list), check each, and "
                    "write a snapshot that verify --trust-list reads offline"));
    f->add_option("--lotl", fetch->lotl, tr("URL of the list of trusted lists"));
    f->add_option("--lotl-signer", fetch->lotl_signer,
                  tr("Certificate(s) (PEM) that must have signed the LOTL"));
    f->add_option("--tl", fetch->tl, tr("URL of a single trusted list (instead of --lotl)"));
    f->add_option("--tl-signer", fetch->tl_signer,
                  tr("Certificate(s) (PEM) that must have signed that list"));
    f->add_option("-o,--output", fetch->output, tr("The snapshot folder to write"))->required();
    f->add_option("--timeout", fetch->timeout_seconds,
                  tr("Seconds for each download (default 30)"));
    f->add_flag("--json", fetch->json, tr("Print the snapshot as trust show --json does"));
    CLI::App* s = app->add_subcommand(
        "show", tr("Territories, providers, services, their status and status history"));
    s->add_option("SNAPSHOT", show->snapshot, tr("A snapshot folder"))->required();
    s->add_flag("--json", show->json, tr("Print JSON"));
    return {app, [f, fetch, show] {
                if (f->parsed()) return run_fetch(*fetch);
                const TrustSnapshotView view = describe_snapshot(show->snapshot);
                std::cout << (show->json ? view.to_json() : view.to_text());
                return 0;
            }};
}

}  // namespace ltsign::cli
