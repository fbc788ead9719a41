#include "cli/usage_errors.hpp"

#include <charconv>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "audit/display.hpp"

namespace vigie::cli {

namespace {

// The longest word of the command line repeated in a message.
constexpr size_t kMaxShownWord = 40;
constexpr std::string_view kCommandsHeading = "Commandes / Commands";

// The command that was being parsed: the last subcommand given.
CLI::App& deepest_command(CLI::App& app) {
  CLI::App* command = &app;
  for (std::vector<CLI::App*> given = command->get_subcommands(); !given.empty();
       given = command->get_subcommands()) {
    command = given.back();
  }
  return *command;
}

// "vigie user add" for the command `user add`.
std::string command_path(const CLI::App& command) {
  std::string path;
  for (const CLI::App* level = &command; level != nullptr; level = level->get_parent()) {
    path.insert(0, level->get_parent() == nullptr ? "vigie" : " " + level->get_name());
  }
  return path;
}

std::string shown(std::string_view word) { return audit::printable(word, kMaxShownWord); }

std::string subcommand_list(CLI::App& command) {
  std::string names;
  for (const CLI::App* subcommand : command.get_subcommands([](CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + subcommand->get_name();
  }
  return names;
}

// The option of `command` that `message` (CLI11's) is about, or nullptr.
const CLI::Option* option_named_in(const CLI::App& command, std::string_view message) {
  for (const CLI::Option* option : command.get_options()) {
    const std::string name = option->get_name();
    if (name.empty()) {
      continue;
    }
    if (message.starts_with(name + ":") || message.find(" " + name + " ") != std::string::npos ||
        message.ends_with(" " + name)) {
      return option;
    }
  }
  return nullptr;
}

Error usage(std::string french, std::string english) {
  return Error{ErrorCode::kUsage, std::move(english), std::move(french)};
}

Error refused_value(const CLI::App& command, std::string_view message, const OptionRules& rules) {
  const CLI::Option* option = option_named_in(command, message);
  const std::string help = command_path(command) + " --help";
  if (option == nullptr) {
    return usage(fmt::format("valeur refusée ; voir {}", help),
                 fmt::format("value refused; see {}", help));
  }
  const std::string name = option->get_name();
  const std::string value = option->results().empty() ? "" : shown(option->results().front());
  const AcceptedValues* accepted = rules.find(option);
  if (accepted == nullptr) {
    return usage(fmt::format("{} : « {} » refusé ; voir {}", name, value, help),
                 fmt::format("{}: '{}' refused; see {}", name, value, help));
  }
  return usage(fmt::format("{} : « {} » refusé ; attendu {}", name, value, accepted->french),
               fmt::format("{}: '{}' refused; expected {}", name, value, accepted->english));
}

Error missing(CLI::App& command, std::string_view what) {
  const std::string path = command_path(command);
  if (what == "A subcommand") {
    const std::string commands = subcommand_list(command);
    const std::vector<std::string> rest = command.remaining();
    if (!rest.empty() && !rest.front().starts_with('-')) {
      const std::string word = shown(rest.front());
      return usage(
          fmt::format("commande inconnue « {} » ; commandes de {} : {}", word, path, commands),
          fmt::format("unknown command '{}'; commands of {}: {}", word, path, commands));
    }
    return usage(fmt::format("commande manquante après {} ; commandes : {}", path, commands),
                 fmt::format("missing command after {}; commands: {}", path, commands));
  }
  const CLI::Option* option = command.get_option_no_throw(std::string(what));
  if (option != nullptr && option->get_positional()) {
    return usage(fmt::format("l'argument {} est obligatoire ; voir {} --help", shown(what), path),
                 fmt::format("the argument {} is required; see {} --help", shown(what), path));
  }
  return usage(fmt::format("{} est obligatoire ; voir {} --help", shown(what), path),
               fmt::format("{} is required; see {} --help", shown(what), path));
}

Error unexpected(const CLI::App& command, std::string_view message) {
  const size_t colon = message.find(": ");
  const std::string words = shown(colon == std::string_view::npos ? "" : message.substr(colon + 2));
  const std::string help = command_path(command) + " --help";
  if (words.starts_with('-')) {
    return usage(fmt::format("option inconnue : {} ; voir {}", words, help),
                 fmt::format("unknown option: {}; see {}", words, help));
  }
  return usage(fmt::format("argument inattendu : {} ; voir {}", words, help),
               fmt::format("unexpected argument: {}; see {}", words, help));
}

Error excluded(std::string_view message) {
  constexpr std::string_view kExcludes = " excludes ";
  const size_t middle = message.find(kExcludes);
  const std::string first = shown(message.substr(0, middle));
  const std::string second =
      shown(middle == std::string_view::npos ? "" : message.substr(middle + kExcludes.size()));
  return usage(fmt::format("{} et {} s'excluent : donnez-en un seul", first, second),
               fmt::format("{} and {} exclude each other: give only one", first, second));
}

Error wrong_count(const CLI::App& command, std::string_view message) {
  const CLI::Option* option = option_named_in(command, message);
  const std::string help = command_path(command) + " --help";
  if (option == nullptr) {
    return usage(fmt::format("ligne de commande mal formée ; voir {}", help),
                 fmt::format("malformed command line; see {}", help));
  }
  return usage(fmt::format("{} : nombre de valeurs incorrect ; voir {}", option->get_name(), help),
               fmt::format("{}: wrong number of values; see {}", option->get_name(), help));
}

}  // namespace

void OptionRules::accept(const CLI::Option* option, AcceptedValues accepted) {
  accepted_[option] = std::move(accepted);
}

void OptionRules::whole_number(CLI::Option* option, int64_t min, std::optional<int64_t> max) {
  const int64_t upper = max.value_or(std::numeric_limits<int64_t>::max());
  option->check(CLI::Validator(
      [min, upper](const std::string& text) -> std::string {
        int64_t value = 0;
        const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
        const bool whole = parsed.ec == std::errc{} && parsed.ptr == text.data() + text.size();
        return whole && value >= min && value <= upper ? "" : "out of range";
      },
      max ? fmt::format("{}..{}", min, *max) : fmt::format("{}..", min)));
  accept(option, max ? AcceptedValues{fmt::format("un entier de {} à {}", min, *max),
                                      fmt::format("a whole number from {} to {}", min, *max)}
                     : AcceptedValues{fmt::format("un entier à partir de {}", min),
                                      fmt::format("a whole number from {}", min)});
}

const AcceptedValues* OptionRules::find(const CLI::Option* option) const {
  auto found = accepted_.find(option);
  return found == accepted_.end() ? nullptr : &found->second;
}

void use_french_first_help(CLI::App& app) {
  const std::pair<const char*, const char*> labels[] = {
      {"Usage", "Utilisation / Usage"},
      {"OPTIONS", "OPTIONS"},
      {"SUBCOMMAND", "COMMANDE"},
      {"SUBCOMMANDS", "COMMANDES"},
      {"Positionals", "Arguments"},
      {"REQUIRED", "OBLIGATOIRE / REQUIRED"},
      {"TEXT", "TEXTE"},
      {"INT", "ENTIER"},
      {"UINT", "ENTIER"},
      {"Excludes", "Exclut / Excludes"},
      {"Needs", "Requiert / Needs"},
  };
  for (const auto& [key, label] : labels) {
    app.get_formatter()->label(key, label);
  }
  app.option_defaults()->group("Options");
  app.set_help_flag("-h,--help", "Affiche cette aide / Show this help");
  app.set_help_all_flag("--help-all", "Aide de toutes les commandes / Help for every command");
}

void group_commands(CLI::App& app) {
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    command->group(std::string(kCommandsHeading));
    group_commands(*command);
  }
}

Error usage_error(CLI::App& app, const CLI::ParseError& error, const OptionRules& rules) {
  CLI::App& command = deepest_command(app);
  const std::string_view message = error.what();
  constexpr std::string_view kRequired = " is required";
  if (dynamic_cast<const CLI::ValidationError*>(&error) != nullptr ||
      dynamic_cast<const CLI::ConversionError*>(&error) != nullptr) {
    return refused_value(command, message, rules);
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && message.ends_with(kRequired)) {
    return missing(command, message.substr(0, message.size() - kRequired.size()));
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
    return unexpected(command, message);
  }
  if (dynamic_cast<const CLI::ExcludesError*>(&error) != nullptr) {
    return excluded(message);
  }
  return wrong_count(command, message);
}

}  // namespace vigie::cli
