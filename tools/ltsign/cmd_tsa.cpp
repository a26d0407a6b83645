// ltsign tsa --key K --listen 127.0.0.1:PORT --serial-file F [--policy OID]
//            [--max-connections-per-address N]
#include <iostream>
#include <memory>

#include "common.hpp"
#include "ltsign/language.hpp"

namespace ltsign::cli {
namespace {

struct TsaServeArgs {
    KeyArgs key;
    std::string listen = "127.0.0.1:3161", serial_file, policy = "2.999.3161.1", test_clock;
    int accuracy = 1;
    std::size_t per_address = TsaServerOptions{}.max_connections_per_address;
    bool allow_remote = false;
};

int serve(const TsaServeArgs& a) {
    TsaServerOptions opt;
    const ListenAddress where = parse_listen(a.listen, a.allow_remote);
    opt.host = where.host;
    opt.port = where.port;
    opt.serial_file = a.serial_file;
    opt.policy = a.policy;
    opt.accuracy_seconds = a.accuracy;
    if (a.per_address == 0)
        throw Error(Errc::usage, tr("--max-connections-per-address: give at least 1"));
    opt.max_connections_per_address = a.per_address;
    if (!a.test_clock.empty()) opt.fixed_time = parse_time_option(a.test_clock, "--test-clock");

    StopSignals signals;  // before the server starts its threads
    TsaServer server(load_signer(a.key), opt);
    std::cout << "ltsign tsa: listening on http://" << opt.host << ":" << server.port() << "/"
              << (opt.fixed_time
                      ? " (TEST CLOCK: every token says " + format_rfc3339(*opt.fixed_time) + ")"
                      : "")
              << std::endl;
    signals.run([&] { server.run(); }, [&] { server.stop(); });
    std::cerr << "ltsign tsa: stopped" << std::endl;
    return 0;
}

}  // namespace

Command add_tsa(CLI::App& root) {
    auto args = std::make_shared<TsaServeArgs>();
    CLI::App* app =
        root.add_subcommand("tsa", tr("Run an RFC 3161 time-stamping authority over HTTP"));
    add_key_options(app, args->key, true);
    app->add_option("--listen", args->listen,
                    tr("HOST:PORT to listen on (default 127.0.0.1:3161; port 0 picks one)"));
    app->add_option("--serial-file", args->serial_file,
                    tr("File keeping the last serial number issued"))
        ->required();
    app->add_option("--policy", args->policy, tr("The TSA policy OID put in every token"));
    app->add_option("--accuracy", args->accuracy,
                    tr("Accuracy in seconds stated in tokens (default 1)"));
    app->add_option("--max-connections-per-address", args->per_address,
                    tr("Connections from one client address served at once (default 4; more "
                       "wait their turn, up to 64); raise it behind a proxy, where every client "
                       "has the proxy's address"));
    app->add_flag("--allow-remote", args->allow_remote,
                  tr("Allow listening on a non-loopback address"));
    app->add_option(
        "--test-clock", args->test_clock,
        tr("FOR TESTS ONLY: put this RFC 3339 time in every token instead of the clock's"));
    return {app, [args] { return serve(*args); }};
}

}  // namespace ltsign::cli
