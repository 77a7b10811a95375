#include "migrate/plan.h"

#include <algorithm>

namespace deshim::migrate {

bool migration_plan::empty() const {
  return links.empty() && std::all_of(files.begin(), files.end(), [](const file_change& file) {
           return file.before && *file.before == file.after;
         });
}

}  // namespace deshim::migrate
