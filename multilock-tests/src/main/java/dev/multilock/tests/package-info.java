/** Test suites of multilock; the tests themselves live in this package under src/test/java. */
package dev.multilock.tests;
