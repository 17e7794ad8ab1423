<?php
// Imports a competency framework CSV into Moodle with Moodle's own
// importer (Site administration > Competencies > Import competency
// framework), then exports it again with Moodle's own exporter, to
// standard output. A framework with the same ID number from an earlier
// run is deleted first. Run as the web server's user with the script on
// standard input:
//   runuser -u www-data -- php8.2 -- --csv=/path/to/framework.csv < framework_round_trip.php
define('CLI_SCRIPT', true);
require(getenv('MOODLE_DIR') . '/config.php');
require_once($CFG->libdir . '/clilib.php');

[$options, $unrecognized] = cli_get_params(['csv' => '']);
if ($unrecognized || !$options['csv']) {
    cli_error('usage: --csv=PATH');
}
\core\session\manager::set_user(get_admin());

$text = file_get_contents($options['csv']);
$importer = new \tool_lpimportcsv\framework_importer($text, 'UTF-8', 'comma');
if ($importer->get_error()) {
    cli_error('Moodle refused the file: ' . $importer->get_error());
}
// The framework row's ID number, to replace an earlier run's framework.
$lines = array_map('str_getcsv', explode("\n", $text));
$idnumber = null;
foreach (\core_competency\api::list_frameworks('id', 'ASC', 0, 0, context_system::instance()) as $existing) {
    foreach ($lines as $fields) {
        if (isset($fields[12]) && $fields[12] === '1' && $fields[1] === $existing->get('idnumber')) {
            \core_competency\api::delete_framework($existing->get('id'));
        }
    }
}
$framework = $importer->import();
file_put_contents('php://stderr', 'imported framework ' . $framework->get('id') . ' with '
    . \core_competency\competency::count_records(['competencyframeworkid' => $framework->get('id')])
    . " competencies\n");
// Moodle's exporter prints the CSV and exits.
(new \tool_lpimportcsv\framework_exporter($framework->get('id')))->export();
