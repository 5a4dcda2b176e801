#include "small_thread.hpp"

#include <cstring>
#include <string>

#include "pkeydm/error.hpp"

namespace pdmd {

namespace {

class ThreadAttr {
public:
    ThreadAttr()
    {
        if (const int rc = pthread_attr_init(&a_))
            pkeydm::throw_errno(pkeydm::Errc::internal, "pthread_attr_init", rc);
    }
    ~ThreadAttr() { pthread_attr_destroy(&a_); }
    ThreadAttr(const ThreadAttr&) = delete;
    ThreadAttr& operator=(const ThreadAttr&) = delete;
    pthread_attr_t* get() noexcept { return &a_; }

private:
    pthread_attr_t a_;
};

}  // namespace

SmallStackThread::SmallStackThread(const char* name, std::function<void()> fn, std::size_t stack_bytes)
    : fn_(std::move(fn))
{
    ThreadAttr attr;
    if (const int rc = pthread_attr_setstacksize(attr.get(), stack_bytes))
        pkeydm::throw_errno(pkeydm::Errc::internal, "pthread_attr_setstacksize " + std::to_string(stack_bytes), rc);
    if (const int rc = pthread_create(&tid_, attr.get(), &SmallStackThread::trampoline, this))
        pkeydm::throw_errno(pkeydm::Errc::internal, "pthread_create (worker thread)", rc);
    joinable_ = true;
    // Only a name too long can fail; the thread runs either way.
    (void)pthread_setname_np(tid_, name);
}

SmallStackThread::~SmallStackThread()
{
    if (joinable_)
        join();
}

void SmallStackThread::join()
{
    if (!joinable_)
        return;
    pthread_join(tid_, nullptr);
    joinable_ = false;
}

void* SmallStackThread::trampoline(void* self)
{
    static_cast<SmallStackThread*>(self)->fn_();
    return nullptr;
}

}  // namespace pdmd
