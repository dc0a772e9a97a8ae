/**
 * The test suites of multilock. The tests are compiled into this module and run on the module
 * path, so they see exactly what an application that requires {@code dev.multilock.lockfree}
 * sees: the types of {@code dev.multilock} and nothing of the implementation.
 */
open module dev.multilock.tests {
    requires dev.multilock.lockfree;
}
