// ltsign keys list [--pkcs11-module PATH] [--pass-env VAR|--pass-file F] [--json]
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "common.hpp"

namespace ltsign::cli {
namespace {

struct KeysArgs {
    std::string module, pass_env, pass_file;
    bool json = false;
};

const char* kind_name(TokenObject::Kind kind) {
    switch (kind) {
        case TokenObject::Kind::private_key:
            return "private-key";
        case TokenObject::Kind::public_key:
            return "public-key";
        case TokenObject::Kind::certificate:
            return "certificate";
    }
    return "object";
}

nlohmann::json to_json(const std::vector<TokenInfo>& tokens) {
    nlohmann::json out = {{"tokens", nlohmann::json::array()}};
    for (const auto& t : tokens) {
        nlohmann::json objects = nlohmann::json::array();
        for (const auto& o : t.objects) {
            objects.push_back({{"kind", kind_name(o.kind)},
                               {"label", o.label},
                               {"id", o.id_hex},
                               {"description", o.description},
                               {"uri", o.uri}});
        }
        out["tokens"].push_back({{"slotId", t.slot_id},
                                 {"label", t.label},
                                 {"manufacturer", t.manufacturer},
                                 {"model", t.model},
                                 {"serial", t.serial},
                                 {"loginRequired", t.login_required},
                                 {"loggedIn", t.logged_in},
                                 {"objects", std::move(objects)}});
    }
    return out;
}

void print_text(const std::vector<TokenInfo>& tokens) {
    if (tokens.empty()) std::cout << tr("no initialised token in this module") << "\n";
    for (const auto& t : tokens) {
        std::cout << trf("token {0} (slot {1}, {2} {3}, serial {4})",
                         {t.label, std::to_string(t.slot_id), t.manufacturer, t.model, t.serial})
                  << "\n";
        if (t.login_required && !t.logged_in)
            std::cout << "  "
                      << tr("private keys are listed after a login: give the PIN with --pass-env "
                            "or --pass-file")
                      << "\n";
        for (const auto& o : t.objects) {
            std::cout << "  " << kind_name(o.kind) << "  " << o.label << "  " << o.description
                      << "\n    " << o.uri << "\n";
        }
    }
}

int run_keys_list(const KeysArgs& a) {
    std::string pin = read_password(a.pass_env, a.pass_file);
    std::vector<TokenInfo> tokens;
    try {
        tokens = list_pkcs11_tokens(a.module, pin);
    } catch (...) {
        wipe(pin);
        throw;
    }
    wipe(pin);
    if (a.json) {
        std::cout << to_json(tokens).dump(2) << "\n";
    } else {
        print_text(tokens);
    }
    return 0;
}

}  // namespace

Command add_keys(CLI::App& root) {
    auto args = std::make_shared<KeysArgs>();
    CLI::App* app = root.add_subcommand("keys", tr("Keys in PKCS#11 tokens (smart cards, HSMs)"));
    app->require_subcommand(1);
    CLI::App* list = app->add_subcommand(
        "list", tr("Show the tokens a PKCS#11 module sees, with their keys and certificates"));
    list->add_option("--pkcs11-module", args->module,
                     tr("PKCS#11 module (default: p11-kit's proxy module)"));
    list->add_option(
        "--pass-env", args->pass_env,
        tr("Read the token's PIN from this environment variable (lists private keys)"));
    list->add_option("--pass-file", args->pass_file,
                     tr("Read the token's PIN from the first line of this file"));
    list->add_flag("--json", args->json, tr("Print JSON"));
    return {app, [args] { return run_keys_list(*args); }};
}

}  // namespace ltsign::cli
