// Boost.JSON's implementation, compiled into the fuzz targets so that the parser is instrumented
// (ARCHITECTURE.md section 8). Included in exactly one translation unit.
#include <boost/json/src.hpp>
