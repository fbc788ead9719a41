#include "common/private_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace vigie {

Result<void> check_private_file(int fd, const std::string& path, std::string_view what,
                                ErrorCode code) {
  const std::string subject = "the " + std::string(what) + " " + path;
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    return fail(code, "le fichier " + path + " n'est pas un fichier ordinaire",
                subject + " is not a regular file");
  }
  if (status.st_uid != ::geteuid()) {
    return fail(code,
                "le fichier " + path +
                    " appartient à un autre utilisateur : donnez-le à celui qui lance vigie "
                    "(chown), puis chmod 600 " +
                    path,
                subject + " is not owned by the user running vigie: chown it to this user, " +
                    "then chmod 600 " + path);
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return fail(
        code, "le fichier " + path + " est lisible ou modifiable par d'autres : chmod 600 " + path,
        subject + " is readable or writable by group or others: chmod 600 " + path);
  }
  return {};
}

}  // namespace vigie
