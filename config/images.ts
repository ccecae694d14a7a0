/**
 * The lab's container images, pinned to a tag and written in full (registry and repository), so
 * that what runs is what the allowed-repositories policy was written for: no `latest`, no untagged
 * image, no registry left to the node's default. MySQL is the newest 8.4 (LTS) patch that
 * docker-library/official-images still builds: older patches are no longer rebuilt, so they keep
 * the base image's CVEs.
 *
 * They live with the configuration because it validates against them (a repository list that
 * would refuse the lab's own image is a configuration error), and the components below deploy
 * them: config sits below components, never the other way round.
 */
export const IMAGES = {
  mysql: "docker.io/library/mysql:8.4.11",
  phpmyadmin: "docker.io/library/phpmyadmin:5.2.3",
} as const;
