// ltsign tsa --key K --listen 127.0.0.1:PORT --serial-file F [--policy OID]
//            [--max-connections-per-address N]
#include <signal.h>

#include <iostream>
#include <memory>
#include <thread>

#include "common.hpp"

namespace ltsign::cli {
namespace {

struct TsaServeArgs {
    KeyArgs key;
    std::string listen = "127.0.0.1:3161", serial_file, policy = "2.999.3161.1", test_clock;
    int accuracy = 1;
    std::size_t per_address = TsaServerOptions{}.max_connections_per_address;
    bool allow_remote = false;
};

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

int serve(const TsaServeArgs& a) {
    const auto colon = a.listen.rfind(':');
    if (colon == std::string::npos)
        throw Error(Errc::usage, "--listen " + a.listen + ": write HOST:PORT");
    TsaServerOptions opt;
    opt.host = a.listen.substr(0, colon);
    if (opt.host.size() > 2 && opt.host.front() == '[' && opt.host.back() == ']') {
        opt.host = opt.host.substr(1, opt.host.size() - 2);
    }
    try {
        opt.port = std::stoi(a.listen.substr(colon + 1));
    } catch (const std::exception&) {
        throw Error(Errc::usage, "--listen " + a.listen + ": the port is not a number");
    }
    if (opt.port < 0 || opt.port > 65535) throw Error(Errc::usage, "--listen: port out of range");
    if (!is_loopback(opt.host) && !a.allow_remote) {
        throw Error(Errc::usage, "--listen " + opt.host +
                                     " is not a loopback address; add --allow-remote "
                                     "to serve other machines");
    }
    opt.serial_file = a.serial_file;
    opt.policy = a.policy;
    opt.accuracy_seconds = a.accuracy;
    if (a.per_address == 0)
        throw Error(Errc::usage, "--max-connections-per-address: give at least 1");
    opt.max_connections_per_address = a.per_address;
    if (!a.test_clock.empty()) opt.fixed_time = parse_time_option(a.test_clock, "--test-clock");

    // SIGINT/SIGTERM end the server cleanly: they are taken by one thread with sigwait, so no
    // handler runs inside the HTTP threads.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    TsaServer server(load_signer(a.key), opt);
    std::cout << "ltsign tsa: listening on http://" << opt.host << ":" << server.port() << "/"
              << (opt.fixed_time
                      ? " (TEST CLOCK: every token says " + format_rfc3339(*opt.fixed_time) + ")"
                      : "")
              << std::endl;
    std::thread waiter([&] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        server.stop();
    });
    server.run();
    // run() also returns if listening fails; wake the waiter so it can be joined.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
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
