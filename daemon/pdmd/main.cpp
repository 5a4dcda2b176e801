// pdmd: keeps every pdm device's protected key valid (docs/man/pdmd.8).
#include <malloc.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>

#include "log.hpp"
#include "monitor.hpp"
#include "pkeydm/error.hpp"
#include "pkeydm/files.hpp"
#include "pkeydm/keyring.hpp"
#include "pkeydm/secure_buffer.hpp"

namespace po = boost::program_options;

namespace {

// The daemon must keep running when memory is short, since the swap device
// it rescues may be exactly what the system needs to free memory.
void harden()
{
    // One malloc arena for all threads: each further arena would be another
    // mapping mlockall pins, for a daemon that allocates little.
    ::mallopt(M_ARENA_MAX, 1);
    if (::mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
        pdmd::log(LOG_WARNING, std::string("PDM_DAEMON_WARN mlockall failed: ") + std::strerror(errno));
    else
        pkeydm::SecureBuffer::process_memory_locked();
    std::ofstream oom("/proc/self/oom_score_adj");
    if (!(oom << "-1000" << std::flush))
        pdmd::log(LOG_WARNING, "PDM_DAEMON_WARN cannot set oom_score_adj");
}

}  // namespace

int main(int argc, char** argv)
{
    pdmd::MonitorOptions mo;
    bool to_stderr = false, daemonize = false;
    std::string pidfile;
    po::options_description d("pdmd options");
    d.add_options()
        ("help,h", "show this help")
        ("stderr", po::bool_switch(&to_stderr), "log to stderr as well as syslog")
        ("daemon", po::bool_switch(&daemonize), "detach (default: stay in the foreground, as systemd wants)")
        ("pidfile", po::value(&pidfile), "write the process id here")
        ("once", po::bool_switch(&mo.once), "check every pdm device once, regenerate what is stale, exit")
        ("rescan-interval", po::value(&mo.rescan_seconds)->default_value(mo.rescan_seconds),
         "seconds between rescans without events")
        ("pdmtab", po::value(&mo.cfg.pdmtab)->default_value(mo.cfg.pdmtab), "device table (fallback key sources)")
        ("repository", po::value(&mo.cfg.keys.repository)->default_value(mo.cfg.keys.repository),
         "secure-key repository")
        ("pkey-device", po::value(&mo.cfg.keys.pkey_device)->default_value(mo.cfg.keys.pkey_device),
         "pkey character device")
        ("protkey-dir", po::value(&mo.cfg.keys.protkey_dir)->default_value(mo.cfg.keys.protkey_dir),
         "sysfs protkey directory")
        ("state-dir", po::value(&mo.cfg.state_dir)->default_value(mo.cfg.state_dir), "pdm's per-device state");
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
    if (mo.rescan_seconds < 1) {
        std::cerr << "pdmd: --rescan-interval must be at least 1\n";
        return 1;
    }
    pdmd::log_open(to_stderr);
    if (daemonize && ::daemon(0, 0) < 0) {
        std::cerr << "pdmd: daemon: " << std::strerror(errno) << "\n";
        return 8;
    }
    try {
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
        pdmd::AsyncLog async_log;
        harden();
        pdmd::log(LOG_INFO, std::string("PDM_DAEMON_START") + (mo.once ? " mode=once" : ""));
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
