#include "cli/honey_commands.hpp"

#include <fmt/format.h>

namespace vigie::cli {

namespace {

int run_honey_plant(const Options& options) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  auto planted = gate.plant_honey(unlocked->custodian, options.patients);
  if (!planted) {
    return close_gate(gate, report(planted.error()));
  }
  fmt::print(
      "{} patient(s) leurre(s) planté(s) ; `vigie honey list` les nomme / {} decoy patient(s) "
      "planted; `vigie honey list` names them.\n",
      planted->size(), planted->size());
  return close_gate(gate, 0);
}

int run_honey_list(const Options& options) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  auto decoys = gate.honey_list(unlocked->custodian);
  if (!decoys) {
    return close_gate(gate, report(decoys.error()));
  }
  for (const std::string& id : *decoys) {
    fmt::print("Patient/{}\n", id);
  }
  return close_gate(gate, 0);
}

}  // namespace

void add_honey_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                        const std::function<void(CLI::App*)>& add_vault) {
  CLI::App* honey = app.add_subcommand(
      "honey",
      "Patients leurres : toute lecture verrouille le compte et alerte / Decoy patients: any "
      "read locks the account and alerts");
  honey->require_subcommand(1);
  CLI::App* plant = honey->add_subcommand(
      "plant",
      "Crée des patients leurres semblables aux données de démonstration / Create decoy "
      "patients that look like the demo data");
  add_vault(plant);
  plant
      ->add_option("--count", options.patients,
                   fmt::format("Nombre de leurres (1 à {}) / Number of decoys (1 to {})",
                               gate::Gate::kMaxHoneyPlant, gate::Gate::kMaxHoneyPlant))
      ->required()
      ->check(CLI::Range(size_t{1}, gate::Gate::kMaxHoneyPlant));
  plant->callback([&action] { action = run_honey_plant; });
  CLI::App* list =
      honey->add_subcommand("list", "Un `Patient/ID` par leurre / One `Patient/ID` per decoy");
  add_vault(list);
  list->callback([&action] { action = run_honey_list; });
}

}  // namespace vigie::cli
