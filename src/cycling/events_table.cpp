// SPDX-License-Identifier: MIT
#include "cycling/events_table.hpp"

#include <cstdio>

namespace ioncycle::cycling {

namespace {
// The site label is free text from the site finder; keep the CSV parseable by every reader.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}
}  // namespace

EventsTable::EventsTable(std::ostream& out, bool write_header) : out_(out) {
  if (write_header) {
    out_ << header() << "\n";
    out_.flush();
  }
}

std::string EventsTable::header() {
  return "time_ps,step,cycle,step_index,step_type,half_cycle,event,ion_id,x_A,y_A,z_A,site,delta_E_eV,"
         "voltage_V,soc,num_ions";
}

void EventsTable::write(const EventRecord& r) {
  // %.17g keeps every bit of the doubles, so a resumed run's rows compare equal as text.
  char numbers[512];
  std::snprintf(numbers, sizeof numbers, "%.17g,%.17g,%.17g", r.position.x(), r.position.y(), r.position.z());
  char energies[256];
  std::snprintf(energies, sizeof energies, "%.17g,%.17g,%.17g", r.delta_energy, r.voltage, r.soc_after);
  char time[64];
  std::snprintf(time, sizeof time, "%.17g", r.time * 1e-3);
  out_ << time << ',' << r.step << ',' << (r.cycle + 1) << ',' << (r.step_index + 1) << ',' << r.step_type << ','
       << r.half_cycle << ',' << r.event << ',' << r.ion_id << ',' << numbers << ',' << csv_field(r.site) << ','
       << energies << ',' << r.num_ions_after << '\n';
  out_.flush();
}

}  // namespace ioncycle::cycling
