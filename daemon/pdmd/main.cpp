// pdmd: keeps every pdm device's protected key valid (docs/man/pdmd.8).
#include <sys/signalfd.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <chrono>
#include <iostream>

#include "io_path.hpp"
#include "kernel_reserve.hpp"
#include "log.hpp"
#include "monitor.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/log_sink.hpp"
#include "pkeydm/no_core.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv)
{
    // First, before any thread exists: threads inherit the flag only when
    // created after it is set (io_path.hpp).
    const int io_flusher_err = pdmd::declare_io_flusher();
    const int realtime_err = pdmd::run_realtime();
    try {
        pkeydm::forbid_core_dumps();
    } catch (const pkeydm::Error& e) {
        std::cerr << "pdmd: " << e.what() << "\n";
        return static_cast<int>(e.code());
    }
    pdmd::MonitorOptions mo;
    bool to_stderr = false, daemonize = false, allow_no_io_flusher = false;
    std::string log_target = "auto";
    unsigned test_scan_delay_ms = 0;
    unsigned master_key_check = static_cast<unsigned>(mo.worker.master_key_check.count());
    std::string pidfile;
    po::options_description d("pdmd options");
    d.add_options()
        ("help,h", "show this help")
        ("stderr", po::bool_switch(&to_stderr), "log to stderr as well")
        ("log-target", po::value(&log_target)->default_value(log_target),
         "journal | syslog | auto (the journal when stderr is connected to it, as under systemd)")
        ("daemon", po::bool_switch(&daemonize), "detach (default: stay in the foreground, as systemd wants)")
        ("pidfile", po::value(&pidfile), "write the process id here")
        ("once", po::bool_switch(&mo.once), "check every pdm device once, regenerate what is stale, exit")
        ("workers", po::value(&mo.threads)->default_value(mo.threads),
         "threads that regenerate keys, whatever the number of devices (1-64)")
        ("rescan-interval", po::value(&mo.rescan_seconds)->default_value(mo.rescan_seconds),
         "seconds between rescans without events")
        ("master-key-check", po::value(&master_key_check)->default_value(master_key_check),
         "seconds between checks of each secure key's master key (0: never)")
        ("pdmtab", po::value(&mo.cfg.pdmtab)->default_value(mo.cfg.pdmtab), "device table (fallback key sources)")
        ("repository", po::value(&mo.cfg.keys.repository)->default_value(mo.cfg.keys.repository),
         "secure-key repository")
        ("pkey-device", po::value(&mo.cfg.keys.pkey_device)->default_value(mo.cfg.keys.pkey_device),
         "pkey character device")
        ("protkey-dir", po::value(&mo.cfg.keys.protkey_dir)->default_value(mo.cfg.keys.protkey_dir),
         "sysfs protkey directory")
        ("state-dir", po::value(&mo.cfg.state_dir)->default_value(mo.cfg.state_dir),
         "pdm's per-device state; pdmd.pid there keeps to one pdmd")
        ("allow-no-io-flusher", po::bool_switch(&allow_no_io_flusher),
         "run even if the kernel refuses PR_SET_IO_FLUSHER (recovery may then wait on swap)")
        ("test-scan-delay-ms", po::value(&test_scan_delay_ms), "tests only: pause between scan and wait");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, d), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "pdmd: " << e.what() << "\n";
        return 1;
    }
    if (vm.count("help")) {
        std::cout << "Usage: pdmd [options]\n\n" << d << "\n";
        return 0;
    }
    if (mo.threads < 1 || mo.threads > 64) {
        std::cerr << "pdmd: --workers must be between 1 and 64\n";
        return 1;
    }
    if (mo.rescan_seconds < 1) {
        std::cerr << "pdmd: --rescan-interval must be at least 1\n";
        return 1;
    }
    mo.test_scan_delay = std::chrono::milliseconds(test_scan_delay_ms);
    mo.worker.master_key_check = std::chrono::seconds(master_key_check);
    if (log_target != "auto" && log_target != "journal" && log_target != "syslog") {
        std::cerr << "pdmd: --log-target must be journal, syslog or auto\n";
        return 1;
    }
    const bool journal = log_target == "journal" || (log_target == "auto" && pdmd::stderr_is_journal());
    pdmd::log_open(journal ? pdmd::LogTarget::journal : pdmd::LogTarget::syslog, to_stderr);
    if (io_flusher_err && !allow_no_io_flusher) {
        std::cerr << "pdmd: prctl(PR_SET_IO_FLUSHER): " << std::strerror(io_flusher_err)
                  << ": pdmd needs Linux >= 5.6 and CAP_SYS_RESOURCE to be part of the I/O path it repairs"
                     " (--allow-no-io-flusher runs it anyway)\n";
        return static_cast<int>(pkeydm::Errc::usage);
    }
    if (daemonize && ::daemon(0, 0) < 0) {
        std::cerr << "pdmd: daemon: " << std::strerror(errno) << "\n";
        return 8;
    }
    try {
        // Before anything is watched, so a second pdmd (or --once racing
        // the service) changes nothing.
        const pdmd::InstanceLock instance(mo.cfg.state_dir + "/pdmd.pid");
        if (!pidfile.empty())
            pkeydm::write_file_atomic(pidfile, std::to_string(::getpid()) + "\n", 0644);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        // Blocked before any worker thread exists, so all threads inherit it
        // and only the signalfd sees these signals.
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        pkeydm::UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
        if (!sfd)
            pkeydm::throw_errno(pkeydm::Errc::internal, "signalfd", errno);
        // With 256 devices watched the heap in use was 570 KiB, key buffers
        // then included (docs/benchmarks.md, 2026-12-08); the log queue's
        // bound (1,024 lines queued, as many being written) can add some
        // 400 KiB.
        pdmd::lock_memory(1024 * 1024);
        pdmd::AsyncLog async_log;
        if (realtime_err)
            pdmd::log(LOG_WARNING, std::string("PDM_DAEMON_WARN no SCHED_RR: ") + std::strerror(realtime_err));
        const pdmd::KernelReserve kernel_reserve(4 * 1024 * 1024);
        // libpkeydm's warnings join pdmd's log queue; the sink may run under
        // a library lock, so it only queues.
        pkeydm::set_log_sink([](int priority, std::string_view message) noexcept {
            try {
                pdmd::log(priority, "PDM_DM_LOG " + std::string(message));
            } catch (...) {
            }
        });
        pdmd::log(LOG_INFO, std::string("PDM_DAEMON_START") + (mo.once ? " mode=once" : "") +
                                " io_flusher=" + (io_flusher_err ? "no" : "yes"));
        const int rc = pdmd::Monitor(mo).run(sfd.get());
        if (!pidfile.empty())
            ::unlink(pidfile.c_str());
        return rc;
    } catch (const pkeydm::Error& e) {
        pdmd::log(LOG_ERR, std::string("PDM_DAEMON_FAILED error=\"") + e.what() + "\"");
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        pdmd::log(LOG_ERR, std::string("PDM_DAEMON_FAILED error=\"") + e.what() + "\"");
        return 9;
    }
}
