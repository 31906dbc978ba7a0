// Boost.URL's implementation, compiled into the Windows build (Debian ships no mingw build of
// libboost_url; on Linux the harness links Debian's libboost_url instead).
#include <boost/url/src.hpp>
