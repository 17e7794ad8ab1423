<?php
// Removes what one run of Carefolio's Moodle suite added to the shared
// development Moodle: External tool activities and registered tool types
// with ids above the ones given. Run as the web server's user with the
// script on standard input:
//   runuser -u www-data -- php8.2 -- --after-cm=N --after-type=M < remove_activities.php
define('CLI_SCRIPT', true);
require(getenv('MOODLE_DIR') . '/config.php');
require_once($CFG->libdir . '/clilib.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/mod/lti/locallib.php');

[$options, $unrecognized] = cli_get_params(['after-cm' => 0, 'after-type' => 0, 'keep-type' => '']);
if ($unrecognized || !$options['after-cm'] || !$options['after-type']) {
    cli_error('usage: --after-cm=N --after-type=M [--keep-type=NAME]');
}
\core\session\manager::set_user(get_admin());

$modules = $DB->get_records_sql(
    "SELECT cm.id FROM {course_modules} cm JOIN {modules} m ON m.id = cm.module AND m.name = 'lti'
      WHERE cm.id > ?", [(int)$options['after-cm']]);
// Deleting goes through Moodle's recycle bin, which narrates its backups.
ob_start();
foreach ($modules as $module) {
    course_delete_module($module->id);
}
ob_end_clean();
$types = $DB->get_records_select('lti_types', 'id > ? AND name <> ?',
    [(int)$options['after-type'], $options['keep-type']]);
foreach ($types as $type) {
    lti_delete_type($type->id);
}
echo count($modules) . " activities and " . count($types) . " tool types removed\n";
